// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool-worker: the program the desktop app's pool starts for its workers.
int main(int, char **)
{
    return 0;
}
