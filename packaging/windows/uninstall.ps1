# uninstall.ps1: remove the agent task and the program. The data directory
# (C:\ProgramData\motcua\data: undelivered dossiers) and the configuration are
# kept; delete them by hand once nothing is pending.
#Requires -RunAsAdministrator
$ErrorActionPreference = 'Stop'
Stop-ScheduledTask -TaskName 'MotcuaAgent' -ErrorAction SilentlyContinue
Unregister-ScheduledTask -TaskName 'MotcuaAgent' -Confirm:$false -ErrorAction SilentlyContinue
Remove-Item -Recurse -Force (Join-Path $env:ProgramFiles 'motcua') -ErrorAction SilentlyContinue
Write-Host "removed; data kept in $(Join-Path $env:ProgramData 'motcua')"
