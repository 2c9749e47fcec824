<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>jobpool::widgets::MainWindow</name>
    <message numerus="yes">
        <location filename="../../widgets/mainwindowstate.cpp" line="+189"/>
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+144"/>
        <source>Batch %1 was interrupted: %n job(s) did not finish. Resume runs them; the %2 done are kept.</source>
        <translation>
            <numerusform>Batch %1 was interrupted: %n job did not finish. Resume runs it; the %2 done are kept.</numerusform>
            <numerusform>Batch %1 was interrupted: %n jobs did not finish. Resume runs them; the %2 done are kept.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobpool::widgets::NewBatchDialog</name>
    <message numerus="yes">
        <location filename="../../widgets/newbatchdialog.cpp" line="+322"/>
        <source>%n file(s)</source>
        <translation>
            <numerusform>%n file</numerusform>
            <numerusform>%n files</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n skipped</source>
        <translation>
            <numerusform>%n skipped</numerusform>
            <numerusform>%n skipped</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+36"/>
        <source>… and %n more</source>
        <translation>
            <numerusform>… and %n more</numerusform>
            <numerusform>… and %n more</numerusform>
        </translation>
    </message>
</context>
</TS>
