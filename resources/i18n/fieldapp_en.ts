<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AppController</name>
    <message numerus="yes">
        <source>…and %n older backup(s).</source>
        <translation>
            <numerusform>…and %n older backup.</numerusform>
            <numerusform>…and %n older backups.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CustomerListPanel</name>
    <message numerus="yes">
        <source>%Ln customer(s)</source>
        <translation>
            <numerusform>%Ln customer</numerusform>
            <numerusform>%Ln customers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Showing {shown} of %Ln customer(s)</source>
        <translation>
            <numerusform>Showing {shown} of %Ln customer</numerusform>
            <numerusform>Showing {shown} of %Ln customers</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CustomerTableModel</name>
    <message numerus="yes">
        <source>The licence expires in %n day(s).</source>
        <translation>
            <numerusform>The licence expires in %n day.</numerusform>
            <numerusform>The licence expires in %n days.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%Ln change(s) waiting to sync</source>
        <translation>
            <numerusform>%Ln change waiting to sync</numerusform>
            <numerusform>%Ln changes waiting to sync</numerusform>
        </translation>
    </message>
</context>
</TS>
