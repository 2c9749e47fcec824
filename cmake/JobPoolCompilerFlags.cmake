# SPDX-License-Identifier: GPL-3.0-or-later
# Warning and sanitizer flags shared by every target of the project.

add_library(jobpool_compiler_flags INTERFACE)
target_compile_options(jobpool_compiler_flags INTERFACE
    -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
    -Wimplicit-fallthrough
    # A local hiding another local; Clang (the fuzz preset) spells it differently.
    $<IF:$<CXX_COMPILER_ID:Clang>,-Wshadow-uncaptured-local,-Wshadow=local>)
if(JOBPOOL_WERROR)
    target_compile_options(jobpool_compiler_flags INTERFACE -Werror)
endif()
target_compile_definitions(jobpool_compiler_flags INTERFACE
    QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT QT_USE_QSTRINGBUILDER)

if(JOBPOOL_SANITIZE)
    # Applied globally so that every object, including Qt's inline code, is instrumented.
    add_compile_options(-fsanitize=${JOBPOOL_SANITIZE} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${JOBPOOL_SANITIZE})
endif()
