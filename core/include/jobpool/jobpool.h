// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file
/// Everything of JobPool::Core a program needs: init(), JOBPOOL_TASK, Pool, Process.

#include <jobpool/codec.h>
#include <jobpool/errors.h>
#include <jobpool/pool.h>
#include <jobpool/process.h>
#include <jobpool/task.h>
#include <jobpool/version.h>
