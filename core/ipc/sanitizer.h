// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// JOBPOOL_THREAD_SANITIZER is defined when this file is built with ThreadSanitizer
/// (GCC's -fsanitize=thread, or Clang's), for the few places that must help it see.
#if defined(__SANITIZE_THREAD__)
#define JOBPOOL_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define JOBPOOL_THREAD_SANITIZER 1
#endif
#endif
