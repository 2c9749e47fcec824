// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file
/// Everything of JobPool::Core a program needs: init(), JOBPOOL_TASK, Pool, Process,
/// the shared Value, Array, Lock, RLock and Event, the Queue and Pipe between processes,
/// and the Manager of dictionaries, lists and namespaces that processes share.
/// Semaphore, BoundedSemaphore, Condition and Barrier synchronise processes; SharedMemory
/// names a block other programs can open. ThreadPool has Pool's API over threads, for
/// work that waits rather than computes.

#include <jobpool/array.h>
#include <jobpool/barrier.h>
#include <jobpool/codec.h>
#include <jobpool/condition.h>
#include <jobpool/errors.h>
#include <jobpool/event.h>
#include <jobpool/lock.h>
#include <jobpool/manager.h>
#include <jobpool/pipe.h>
#include <jobpool/pool.h>
#include <jobpool/process.h>
#include <jobpool/queue.h>
#include <jobpool/semaphore.h>
#include <jobpool/sharedmemory.h>
#include <jobpool/task.h>
#include <jobpool/threadpool.h>
#include <jobpool/value.h>
#include <jobpool/version.h>
