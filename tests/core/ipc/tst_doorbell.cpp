// SPDX-License-Identifier: GPL-3.0-or-later
// The doorbell the pool's threads and processes wait on (core/ipc/futex.h): how a waiter
// adapts to a slow peer, counted in the checks of its condition rather than timed.
#include "ipc/futex.h"

#include <QTest>

#include <atomic>
#include <thread>

using jobpool::ipc::Doorbell;
using namespace std::chrono_literals;

namespace {

/// Checks a waiter makes in a wait that polls (spin, yields, and around the sleep), and
/// in one that goes to sleep right after the spin.
constexpr int kPolling = Doorbell::kSpins + Doorbell::kYields + 2;
constexpr int kSleeping = Doorbell::kSpins + 2;

/// A wait for something that never comes, with no patience: how many checks it made.
int checksOfAFruitlessWait(Doorbell &bell)
{
    int checks = 0;
    const bool ready = bell.wait(
        [&] {
            ++checks;
            return false;
        },
        0ns);
    return ready ? -1 : checks;
}

} // namespace

class TestDoorbell : public QObject
{
    Q_OBJECT

private slots:
    void slowAnswersStopThePolling()
    {
        Doorbell bell;
        for (std::uint32_t i = 0; i < Doorbell::kSlowAnswersBeforeSleeping; ++i)
            QCOMPARE(checksOfAFruitlessWait(bell), kPolling);
        QCOMPARE(checksOfAFruitlessWait(bell), kSleeping);
        QCOMPARE(checksOfAFruitlessWait(bell), kSleeping);
    }

    void aQuickAnswerBringsThePollingBack()
    {
        Doorbell bell;
        while (bell.slowAnswers.load() < Doorbell::kSlowAnswersBeforeSleeping)
            checksOfAFruitlessWait(bell);
        QCOMPARE(checksOfAFruitlessWait(bell), kSleeping);
        QVERIFY(bell.wait([] { return true; }, 0ns)); // answered within the spin
        QCOMPARE(bell.slowAnswers.load(), 0u);
        QCOMPARE(checksOfAFruitlessWait(bell), kPolling);
    }

    void aSleepingWaiterProbesNowAndThen()
    {
        Doorbell bell;
        while (bell.slowAnswers.load() % Doorbell::kProbeEvery != Doorbell::kProbeEvery - 1)
            checksOfAFruitlessWait(bell);
        QCOMPARE(checksOfAFruitlessWait(bell), kSleeping);
        // The probe polls, but only as long as an answer could still count as quick.
        const int probe = checksOfAFruitlessWait(bell);
        QVERIFY2(probe > kSleeping && probe <= kPolling, qPrintable(QString::number(probe)));
        QCOMPARE(checksOfAFruitlessWait(bell), kSleeping);
    }

    void aRingWakesASleepingWaiter()
    {
        Doorbell bell;
        while (bell.slowAnswers.load() < Doorbell::kSlowAnswersBeforeSleeping)
            checksOfAFruitlessWait(bell);
        std::atomic<bool> answer{false};
        std::thread peer([&] {
            while (!bell.sleeping.load()) // until the waiter is on the futex
                std::this_thread::yield();
            answer = true;
            bell.ring();
        });
        const bool woken = bell.wait([&] { return answer.load(); }, 60s);
        peer.join();
        QVERIFY(woken);
    }
};

QTEST_GUILESS_MAIN(TestDoorbell)
#include "tst_doorbell.moc"
