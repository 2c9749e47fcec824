<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>jobpool</name>
    <message>
        <location filename="../../app/cli.cpp" line="+73"/>
        <source>Run a command over many inputs, like GNU parallel</source>
        <translation>对大量输入逐一运行命令，类似 GNU parallel</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>List the batches in the job store</source>
        <translation>列出任务库中的批次</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show one batch and its jobs</source>
        <translation>显示一个批次及其任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pause a running job of the JobPool window&apos;s batch</source>
        <translation>暂停 JobPool 窗口中正在运行的批次里的一个任务</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Resume a paused job of the JobPool window&apos;s batch</source>
        <translation>继续 JobPool 窗口中批次里已暂停的任务</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run a small demonstration batch in a worker pool</source>
        <translation>在工作进程池中运行一个小型演示批次</translation>
    </message>
    <message>
        <location filename="../../app/runoptions.cpp" line="+334"/>
        <source>Usage: jobpool run [OPTIONS] COMMAND [ARGS…] [::: VALUES…] [:::: FILES…]

Runs COMMAND once per input in a pool of worker processes, as GNU parallel does.
Replacement strings: {} {.} {/} {//} {/.} {#} {%} and {n} {n.}… for source n;
without any, {} is appended. Inputs: ::: values, :::: files of lines, :::+/::::+
link a source to the previous one; without either, lines on stdin. Every job is
kept in the job store: see &apos;jobpool history&apos; and &apos;jobpool show&apos;.

Options (GNU parallel&apos;s meanings):
  -j, --jobs N|N%|+N|-N  job slots (default 100%: one per CPU)
  -k, --keep-order       print output in input order
      --tag              prefix output lines with the input
      --line-buffer      print output line by line as it comes
      --retries N        run a failing job up to N times
      --timeout SECS|P%  kill a job after SECS, or P% of the median run time
      --halt WHEN,WHY=N  now|soon,fail|success|done=N or N%
      --memfree SIZE     start no job while less memory is free
      --delay SECS       wait this long between two job starts
      --dry-run          print the commands, run nothing
  -0, --null             inputs are separated by NUL, not newline
  -a, --arg-file FILE    an input source, like :::: FILE
      --bar, --eta       a progress bar / an estimate of the time left
      --joblog [+]FILE   write parallel&apos;s joblog (+: append)
      --resume [N]       finish batch N (or, with --joblog, what it lacks)
      --resume-failed [N]  the same, running failed jobs again too
      --retry-failed [N]   only run the failed jobs again
JobPool&apos;s own:
      --shell            run the command through /bin/sh -c, inputs quoted
      --recursive        expand directories among the inputs into their files
      --include GLOB, --exclude GLOB  which files (imply --recursive)
      --db FILE          the job store (default: in your data directory)
      --results-dir DIR  where each job&apos;s stdout and stderr logs go
      --no-progress      no progress line, even on a terminal
On a Slurm cluster (see docs/SLURM.md):
      --slurm            run the jobs as one Slurm job array, not here
      --partition P      the partition (implies --slurm)
      --time T           each array task&apos;s time limit, as sbatch takes it
      --slurm-chunk N    inputs per array task (default: 1, up to 1,000 tasks)
      --slurm-host HOST  run sbatch, squeue and scancel through ssh HOST
      --slurm-patience SECS  how long the controller may be unreachable (120)
  With --slurm, -j N lets at most N array tasks run at once.

Exit status: the number of failed jobs (101 for more than 100), 255 on other
errors.
</source>
        <translation>用法：jobpool run [选项] COMMAND [ARGS…] [::: VALUES…] [:::: FILES…]

像 GNU parallel 一样，在工作进程池中对每个输入运行一次 COMMAND。
替换字符串：{} {.} {/} {//} {/.} {#} {%}，以及用于第 n 个输入源的 {n} {n.}…；
若一个都未使用，则在末尾追加 {}。输入：::: 值，:::: 按行读取的文件，:::+/::::+
将输入源与前一个源关联；两者都没有时，从标准输入按行读取。每个任务都保存在
任务库中：参见“jobpool history”和“jobpool show”。

选项（含义与 GNU parallel 相同）：
  -j, --jobs N|N%|+N|-N  任务槽数（默认 100%：每个 CPU 一个）
  -k, --keep-order       按输入顺序打印输出
      --tag              在每行输出前加上对应的输入
      --line-buffer      输出一产生就逐行打印
      --retries N        失败的任务最多运行 N 次
      --timeout SECS|P%  任务运行超过 SECS 秒或运行时间中位数的 P% 时将其终止
      --halt WHEN,WHY=N  now|soon,fail|success|done=N 或 N%
      --memfree SIZE     空闲内存少于 SIZE 时不启动新任务
      --delay SECS       两次启动任务之间等待 SECS 秒
      --dry-run          只打印命令，不运行任何任务
  -0, --null             输入以 NUL 分隔，而非换行符
  -a, --arg-file FILE    一个输入源，等同于 :::: FILE
      --bar, --eta       显示进度条 / 预计剩余时间
      --joblog [+]FILE   写入 parallel 格式的任务日志（+：追加）
      --resume [N]       完成批次 N（或配合 --joblog，补完其中缺少的任务）
      --resume-failed [N]  同上，并且重新运行失败的任务
      --retry-failed [N]   只重新运行失败的任务
JobPool 自有选项：
      --shell            通过 /bin/sh -c 运行命令，输入会加上引号
      --recursive        将输入中的目录展开为其中的文件
      --include GLOB, --exclude GLOB  选择哪些文件（隐含 --recursive）
      --db FILE          任务库（默认位于你的数据目录中）
      --results-dir DIR  每个任务的标准输出和标准错误日志的存放位置
      --no-progress      不显示进度行，即使在终端上也不显示
在 Slurm 集群上运行（参见 docs/SLURM.md）：
      --slurm            将这些任务作为一个 Slurm 作业数组运行，而不在本机运行
      --partition P      分区（隐含 --slurm）
      --time T           每个数组任务的时间限制，格式与 sbatch 相同
      --slurm-chunk N    每个数组任务处理的输入数（默认：1，最多 1,000 个任务）
      --slurm-host HOST  通过 ssh HOST 运行 sbatch、squeue 和 scancel
      --slurm-patience SECS  Slurm 控制器可以失联多长时间（120）
  使用 --slurm 时，-j N 表示最多同时运行 N 个数组任务。

退出状态：失败任务的数量（超过 100 个时为 101），其他错误时为 255。
</translation>
    </message>
</context>
<context>
    <name>jobpool::BatchRunner</name>
    <message>
        <location filename="../../core/batch/batchrunnercontrol.cpp" line="+111"/>
        <source>job %1 is not running</source>
        <translation>任务 %1 没有在运行</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the batch is stopping</source>
        <translation>批次正在停止</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a job on a Slurm cluster cannot be paused on its own</source>
        <translation>Slurm 集群上的任务不能单独暂停</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>job %1 has not started its command yet</source>
        <translation>任务 %1 还没有启动它的命令</translation>
    </message>
</context>
<context>
    <name>jobpool::BatchSession</name>
    <message>
        <location filename="../../core/gui/batchsession.cpp" line="+87"/>
        <source>batch %1 is not running</source>
        <translation>批次 %1 没有在运行</translation>
    </message>
    <message>
        <location line="+235"/>
        <source>Batch %1 cannot run: %2</source>
        <translation>批次 %1 无法运行：%2</translation>
    </message>
</context>
<context>
    <name>jobpool::JobsFilterModel</name>
    <message>
        <location filename="../../core/batch/jobsfiltermodel.cpp" line="+94"/>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>jobpool::JobsModel</name>
    <message>
        <location filename="../../core/batch/jobsmodel.cpp" line="+92"/>
        <source>%1 holds no batch %2.</source>
        <translation>%1 中没有批次 %2。</translation>
    </message>
    <message>
        <location filename="../../core/batch/jobsmodeldata.cpp" line="+57"/>
        <source>signal %1</source>
        <translation>信号 %1</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Worker</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Duration</source>
        <translation>耗时</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Exit</source>
        <translation>退出码</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CPU time</source>
        <translation>CPU 时间</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Peak RSS</source>
        <translation>峰值 RSS</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Worker pid %1, slot %2</source>
        <translation>工作进程 PID %1，槽位 %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Slot %1</source>
        <translation>槽位 %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1, attempt %2</source>
        <translation>%1，第 %2 次尝试</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>slot %1</source>
        <translation>槽位 %1</translation>
    </message>
    <message>
        <location line="+138"/>
        <source>%1, timed out</source>
        <translation>%1，超时</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
</context>
<context>
    <name>jobpool::PresetText</name>
    <message>
        <location filename="../../core/gui/presets.cpp" line="+58"/>
        <source>SHA-256 checksum</source>
        <translation>SHA-256 校验和</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The SHA-256 of each file, as sha256sum prints it.</source>
        <translation>每个文件的 SHA-256，格式与 sha256sum 的输出相同。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File size and line count</source>
        <translation>文件大小和行数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Each file&apos;s size in bytes and its number of lines.</source>
        <translation>每个文件的字节数及其行数。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Compress with gzip</source>
        <translation>用 gzip 压缩</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Writes FILE.gz next to each file and keeps the original.</source>
        <translation>在每个文件旁写入 FILE.gz，并保留原文件。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Resize images (ImageMagick)</source>
        <translation>缩放图像（ImageMagick）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scales each image down to at most 1024 pixels wide into FILE-small.png.</source>
        <translation>将每张图像缩小到宽度不超过 1024 像素，保存为 FILE-small.png。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Transcode video to MP4 (ffmpeg)</source>
        <translation>将视频转码为 MP4（ffmpeg）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re-encodes each video as H.264/AAC into FILE.mp4.</source>
        <translation>将每个视频重新编码为 H.264/AAC，保存为 FILE.mp4。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Extract text from PDF</source>
        <translation>从 PDF 提取文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Writes the text of each PDF into FILE.txt.</source>
        <translation>将每个 PDF 的文本写入 FILE.txt。</translation>
    </message>
</context>
<context>
    <name>jobpool::ProcStatText</name>
    <message>
        <location filename="../../core/monitor/procstat.cpp" line="+85"/>
        <source>/proc/stat: unexpected CPU name &quot;%1&quot;</source>
        <translation>/proc/stat：意外的 CPU 名称“%1”</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>/proc/stat: &quot;%1&quot; is not a number of ticks in the %2 line</source>
        <translation>/proc/stat：%2 行中的“%1”不是有效的时钟滴答数</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>/proc/stat: the %1 line has %2 fields, at least 4 expected</source>
        <translation>/proc/stat：%1 行有 %2 个字段，应至少有 4 个</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>/proc/stat: two aggregate cpu lines</source>
        <translation>/proc/stat：存在两个汇总 cpu 行</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>/proc/stat: no aggregate cpu line</source>
        <translation>/proc/stat：没有汇总 cpu 行</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>/proc/stat: no cpuN line</source>
        <translation>/proc/stat：没有 cpuN 行</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>/proc/stat: cpu%1 is listed twice</source>
        <translation>/proc/stat：cpu%1 出现了两次</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>/proc/PID/stat: no command name in parentheses</source>
        <translation>/proc/PID/stat：括号中没有命令名</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>/proc/PID/stat: no process id before the command name</source>
        <translation>/proc/PID/stat：命令名前没有进程 ID</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>/proc/PID/stat: %1 fields after the command name, at least %2 expected</source>
        <translation>/proc/PID/stat：命令名后有 %1 个字段，应至少有 %2 个</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>/proc/PID/stat: &quot;%1&quot; is not a process state</source>
        <translation>/proc/PID/stat：“%1”不是有效的进程状态</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>/proc/PID/stat: a field that should be a number is not</source>
        <translation>/proc/PID/stat：某个应为数字的字段不是数字</translation>
    </message>
</context>
<context>
    <name>jobpool::ProcessesModel</name>
    <message>
        <location filename="../../core/monitor/processesmodel.cpp" line="+82"/>
        <source>Workers replaced for using too much memory: %1</source>
        <translation>因内存占用过多而替换的工作进程：%1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>A worker whose own memory grew past the limit after a job was replaced by a new one before its next job. No job failed or ran twice because of it.</source>
        <translation>某个工作进程完成任务后，其自身内存超过了上限，因此在运行下一个任务之前被新的工作进程替换。没有任务因此失败或重复运行。</translation>
    </message>
    <message>
        <location line="+164"/>
        <source>#%1</source>
        <translation>#%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>task %1</source>
        <translation>任务 %1</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Starting</source>
        <translation>正在启动</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stopping</source>
        <translation>正在停止</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>%1 %</source>
        <translation>%1%</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Worker %1, running process %2</source>
        <translation>工作进程 %1，正在运行进程 %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Worker %1</source>
        <translation>工作进程 %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Worker %1 %, command %2 %</source>
        <translation>工作进程 %1%，命令 %2%</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Worker %1, command %2</source>
        <translation>工作进程 %1，命令 %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Started %1</source>
        <translation>启动于 %1</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>PID</source>
        <translation>PID</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Job</source>
        <translation>任务</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CPU %</source>
        <translation>CPU %</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>RSS</source>
        <translation>RSS</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Uptime</source>
        <translation>运行时长</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Jobs done</source>
        <translation>已完成任务</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>CPU use of the worker and its command; 100 % is one core busy</source>
        <translation>工作进程及其命令的 CPU 占用；100% 表示一个核心满载</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Resident memory of the worker and its command</source>
        <translation>工作进程及其命令的常驻内存</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tasks the worker has finished</source>
        <translation>该工作进程已完成的任务数</translation>
    </message>
</context>
<context>
    <name>jobpool::app</name>
    <message>
        <location filename="../../app/desktop.cpp" line="+89"/>
        <source>JobPool</source>
        <translation>JobPool</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The job store cannot be opened: %1</source>
        <translation>无法打开任务库：%1</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>unknown command</source>
        <translation>未知命令</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>no batch is running</source>
        <translation>没有正在运行的批次</translation>
    </message>
</context>
<context>
    <name>jobpool::app::SingleInstance</name>
    <message>
        <location filename="../../app/singleinstance.cpp" line="+111"/>
        <source>this JobPool window takes no commands</source>
        <translation>这个 JobPool 窗口不接受命令</translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::CpuChart</name>
    <message>
        <location filename="../../widgets/cpuchart.cpp" line="+51"/>
        <source>CPU %</source>
        <translation>CPU %</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+16"/>
        <source>Average</source>
        <translation>平均</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Only the average of all cores</source>
        <translation>只显示所有核心的平均值</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All cores</source>
        <translation>所有核心</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Every core in one plot, and the average</source>
        <translation>在一张图中显示每个核心及平均值</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Per core</source>
        <translation>按核心</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>One small plot per core</source>
        <translation>每个核心一张小图</translation>
    </message>
    <message>
        <location line="+52"/>
        <location line="+110"/>
        <source>cpu%1  %2 %</source>
        <translation>cpu%1  %2%</translation>
    </message>
    <message>
        <location line="-68"/>
        <source>cpu%1</source>
        <translation>cpu%1</translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::JobsView</name>
    <message>
        <location filename="../../widgets/jobsview.cpp" line="+92"/>
        <source>The job store could not be read: %1</source>
        <translation>无法读取任务库：%1</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Filter inputs</source>
        <translation>筛选输入</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Shows the jobs whose input contains this text</source>
        <translation>显示输入中包含此文本的任务</translation>
    </message>
    <message>
        <location line="+105"/>
        <source>Open &amp;Log</source>
        <translation>打开日志(&amp;L)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Retry</source>
        <translation>重试(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Res&amp;ume</source>
        <translation>继续(&amp;U)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reveal in File &amp;Manager</source>
        <translation>在文件管理器中显示(&amp;M)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy C&amp;ommand</source>
        <translation>复制命令(&amp;O)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Shows the job&apos;s output in the log view</source>
        <translation>在日志视图中显示该任务的输出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs the selected failed, interrupted or cancelled jobs again</source>
        <translation>重新运行所选的失败、已中断或已取消的任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stops the selected running jobs; queued ones will not start</source>
        <translation>停止所选的运行中任务；排队中的任务将不会启动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stops the selected running jobs where they are, to go on later; the rest of the batch goes on</source>
        <translation>让选中的运行中任务停在原处，稍后继续；批次的其余任务照常运行</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Lets the selected paused jobs go on</source>
        <translation>让选中的已暂停任务继续运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Opens the folder that holds the job&apos;s log files</source>
        <translation>打开存放该任务日志文件的文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copies the selected jobs&apos; commands, one per line</source>
        <translation>复制所选任务的命令，每行一条</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::LogView</name>
    <message>
        <location filename="../../widgets/logview.cpp" line="+69"/>
        <source>Output</source>
        <translation>标准输出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Errors</source>
        <translation>标准错误</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>No job selected</source>
        <translation>未选择任务</translation>
    </message>
    <message>
        <location line="+129"/>
        <source>… earlier output not shown</source>
        <translation>… 更早的输出未显示</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Following the output</source>
        <translation>正在跟踪输出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No output yet</source>
        <translation>尚无输出</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>No output</source>
        <translation>无输出</translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::MainWindow</name>
    <message>
        <location filename="../../widgets/mainwindow.cpp" line="+93"/>
        <location filename="../../widgets/mainwindowstate.cpp" line="+184"/>
        <location line="+15"/>
        <source>JobPool</source>
        <translation>JobPool</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
    <message>
        <location line="+94"/>
        <source>Add Files</source>
        <translation>添加文件</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Add Folder</source>
        <translation>添加文件夹</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>About JobPool</source>
        <translation>关于 JobPool</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;b&gt;JobPool %1&lt;/b&gt;&lt;p&gt;A job-pool manager for the desktop.&lt;/p&gt;&lt;p&gt;Licensed under the GNU GPL, version 3 or later.&lt;/p&gt;</source>
        <translation>&lt;b&gt;JobPool %1&lt;/b&gt;&lt;p&gt;桌面任务池管理器。&lt;/p&gt;&lt;p&gt;依据 GNU GPL 第 3 版或更高版本授权。&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>The language changes the next time JobPool starts.</source>
        <translation>语言将在下次启动 JobPool 时更改。</translation>
    </message>
    <message>
        <location line="+96"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Batch</source>
        <translation>批次(&amp;B)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>System Default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;New Batch…</source>
        <translation>新建批次(&amp;N)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose files and what to run on each</source>
        <translation>选择文件以及要对每个文件运行的命令</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add &amp;Files…</source>
        <translation>添加文件(&amp;F)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add F&amp;older…</source>
        <translation>添加文件夹(&amp;O)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Start</source>
        <translation>开始(&amp;S)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start the next waiting batch</source>
        <translation>开始下一个等待中的批次</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start no new jobs; the running ones go on</source>
        <translation>不再启动新任务；运行中的任务继续运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start no new jobs and end the batch once the running ones finish</source>
        <translation>不再启动新任务，待运行中的任务完成后结束批次</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop &amp;Now</source>
        <translation>立即停止(&amp;N)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop the running jobs too (they can be resumed later)</source>
        <translation>同时停止运行中的任务（之后可以恢复）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Retry Failed</source>
        <translation>重试失败任务(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run the failed jobs of this batch again</source>
        <translation>重新运行此批次中失败的任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About JobPool</source>
        <translation>关于 JobPool(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Toolbar</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Jobs at once:</source>
        <translation>同时运行：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How many jobs run at the same time; applied at once</source>
        <translation>同时运行的任务数；更改立即生效</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Worker memory limit:</source>
        <translation>工作进程内存上限：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A worker whose own memory grows past this after a job is replaced by a new one before its next job; applies to the batches started from now on</source>
        <translation>工作进程完成任务后若自身内存超过此值，会在运行下一个任务之前被新的工作进程替换；对此后开始的批次生效</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>When done:</source>
        <translation>完成后：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Do nothing</source>
        <translation>不执行任何操作</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Notify me</source>
        <translation>通知我</translation>
    </message>
    <message>
        <location line="+1"/>
        <location filename="../../widgets/mainwindowstate.cpp" line="+168"/>
        <source>Quit JobPool</source>
        <translation>退出 JobPool</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Drop files or folders here to start a batch</source>
        <translation>将文件或文件夹拖放到此处以开始一个批次</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batches</source>
        <translation>批次</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Processes</source>
        <translation>进程</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>CPU Cores</source>
        <translation>CPU 核心</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <location filename="../../widgets/mainwindowstate.cpp" line="-328"/>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>halted</source>
        <translation>已中止</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Batch %1 waits until the running batch is done.</source>
        <translation>批次 %1 将等待正在运行的批次完成。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>New Batch</source>
        <translation>新建批次</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The batch cannot start: %1</source>
        <translation>批次无法开始：%1</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <location line="-87"/>
        <source>#%1 %2
%3 · %4 of %5 done</source>
        <translation>#%1 %2
%3 · 已完成 %4/%5</translation>
    </message>
    <message>
        <location line="+132"/>
        <source>%1 / %2 done</source>
        <translation>已完成 %1 / %2</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n failed</source>
        <translation>
            <numerusform>%n 个失败</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 jobs/s</source>
        <translation>%1 个任务/秒</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>ETA %1</source>
        <translation>预计剩余 %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1% – JobPool</source>
        <translation>%1% – JobPool</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>Batch %1 finished with failures</source>
        <translation>批次 %1 已完成，但有任务失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batch %1 finished</source>
        <translation>批次 %1 已完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batch %1 stopped</source>
        <translation>批次 %1 已停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 done, %2 failed, %3 not run</source>
        <translation>%1 个已完成，%2 个失败，%3 个未运行</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>Job %1: %2</source>
        <translation>任务 %1：%2</translation>
    </message>
    <message numerus="yes">
        <location line="+25"/>
        <source>Batch %1 was interrupted: %n job(s) did not finish. Resume runs them; the %2 done are kept.</source>
        <translation>
            <numerusform>批次 %1 被中断：%n 个任务未完成。恢复后将运行这些任务；已完成的 %2 个任务会保留。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+35"/>
        <source>A batch is running. Quit and stop its jobs? They can be resumed the next time JobPool starts.</source>
        <translation>有批次正在运行。要退出并停止其任务吗？下次启动 JobPool 时可以恢复这些任务。</translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::NewBatchDialog</name>
    <message>
        <location filename="../../widgets/newbatchdialog.cpp" line="+42"/>
        <source>New Batch</source>
        <translation>新建批次</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Add Files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add Folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add Files</source>
        <translation>添加文件</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Add Folder</source>
        <translation>添加文件夹</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Inputs:</source>
        <translation>输入：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Include subfolders</source>
        <translation>包括子文件夹</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>e.g. *.jpg *.png (all files when empty)</source>
        <translation>例如 *.jpg *.png（留空表示所有文件）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>e.g. .* *~</source>
        <translation>例如 .* *~</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Only files named:</source>
        <translation>仅限文件名：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Leave out:</source>
        <translation>排除：</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save this command as a template of your own</source>
        <translation>将此命令保存为自定义模板</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Run:</source>
        <translation>运行：</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>{} the file, {.} without extension, {/} its name, {//} its folder, {/.} its name without extension, {#} the job number, {%} the slot</source>
        <translation>{} 文件，{.} 去掉扩展名的文件，{/} 文件名，{//} 所在文件夹，{/.} 不含扩展名的文件名，{#} 任务编号，{%} 槽位</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run through the shell (/bin/sh -c)</source>
        <translation>通过 shell 运行（/bin/sh -c）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Command:</source>
        <translation>命令：</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Preview:</source>
        <translation>预览：</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>This computer</source>
        <translation>本机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Slurm cluster</source>
        <translation>Slurm 集群</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run on:</source>
        <translation>运行于：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>cluster default</source>
        <translation>集群默认</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Partition:</source>
        <translation>分区：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>none — e.g. 30, 2:00:00, 1-0</source>
        <translation>无 — 例如 30、2:00:00、1-0</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How long each Slurm task may run: minutes, HH:MM:SS, or DAYS-HH; Slurm ends a task that runs longer</source>
        <translation>每个 Slurm 任务最长可运行的时间：分钟数、HH:MM:SS 或 DAYS-HH；超时的任务会被 Slurm 终止</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Time limit:</source>
        <translation>时间限制：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source> at once</source>
        <translation> 个任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Jobs:</source>
        <translation>同时运行：</translation>
    </message>
    <message>
        <location line="-45"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>Slurm decides how many jobs run at once on the cluster.</source>
        <translation>集群上同时运行多少个任务由 Slurm 决定。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>%1 (yours)</source>
        <translation>%1（我的）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Custom command</source>
        <translation>自定义命令</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>(Runs inside JobPool.)</source>
        <translation>（在 JobPool 内部运行。）</translation>
    </message>
    <message numerus="yes">
        <location line="+46"/>
        <source>%n file(s)</source>
        <translation>
            <numerusform>%n 个文件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n skipped</source>
        <translation>
            <numerusform>已跳过 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <location line="+20"/>
        <source>The command has a quote that is not closed.</source>
        <translation>命令中有未闭合的引号。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose a preset or write a command.</source>
        <translation>请选择一个预设或输入命令。</translation>
    </message>
    <message numerus="yes">
        <location line="+14"/>
        <source>… and %n more</source>
        <translation>
            <numerusform>… 还有 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <location line="+6"/>
        <source>There are no files to run on.</source>
        <translation>没有可供运行的文件。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Time limit: %1</source>
        <translation>时间限制：%1</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Save Template</source>
        <translation>保存模板</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location line="+16"/>
        <location line="+6"/>
        <source>Rename Template</source>
        <translation>重命名模板</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>There is already a template named “%1”.</source>
        <translation>已存在名为“%1”的模板。</translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::ProcessesView</name>
    <message>
        <location filename="../../widgets/processesview.cpp" line="+50"/>
        <source>&amp;Pause Job</source>
        <translation>暂停任务(&amp;P)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Res&amp;ume Job</source>
        <translation>继续任务(&amp;U)</translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::ThroughputChart</name>
    <message>
        <location filename="../../widgets/throughputchart.cpp" line="+39"/>
        <location line="+16"/>
        <source>Jobs/s</source>
        <translation>任务/秒</translation>
    </message>
    <message>
        <location line="-14"/>
        <location line="+6"/>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::TimelineChart</name>
    <message>
        <location filename="../../widgets/timelinechart.cpp" line="+45"/>
        <source>Worker</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Jobs</source>
        <translation>任务</translation>
    </message>
    <message>
        <location line="+174"/>
        <source>Job %1 on worker %2: running for %3 s</source>
        <translation>任务 %1（工作进程 %2）：已运行 %3 秒</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Job %1 on worker %2: %3 s</source>
        <translation>任务 %1（工作进程 %2）：%3 秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Job %1 on worker %2: failed after %3 s</source>
        <translation>任务 %1（工作进程 %2）：%3 秒后失败</translation>
    </message>
</context>
</TS>
