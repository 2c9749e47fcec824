// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file
/// Everything of JobPool::Core a program needs: init(), JOBPOOL_TASK, Pool, Process,
/// and the shared Value, Array, Lock, RLock and Event.

#include <jobpool/array.h>
#include <jobpool/codec.h>
#include <jobpool/errors.h>
#include <jobpool/event.h>
#include <jobpool/lock.h>
#include <jobpool/pool.h>
#include <jobpool/process.h>
#include <jobpool/task.h>
#include <jobpool/value.h>
#include <jobpool/version.h>
