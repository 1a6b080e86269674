# uninstall.ps1: remove the service and the program. The data directory
# (C:\ProgramData\motcua\data: undelivered dossiers) and the configuration are
# kept; delete them by hand once nothing is pending.
#Requires -RunAsAdministrator
$ErrorActionPreference = 'Stop'
$dest = Join-Path $env:ProgramFiles 'motcua'
$exe  = Join-Path $dest 'motcua.exe'
if (Test-Path $exe) {
    & $exe service uninstall
    & $exe service cleanup
}
Remove-Item -Recurse -Force $dest -ErrorAction SilentlyContinue
Write-Host "removed; data kept in $(Join-Path $env:ProgramData 'motcua')"
