# install.ps1: install Mot Cua Edge from the zip (run as Administrator).
# The MSI (motcua-X.Y.Z-x64.msi) does the same for software-distribution
# tools; use one or the other.
#Requires -RunAsAdministrator
$ErrorActionPreference = 'Stop'
$src  = Split-Path -Parent $MyInvocation.MyCommand.Path
$dest = Join-Path $env:ProgramFiles 'motcua'
$conf = Join-Path $env:ProgramData 'motcua'
$data = Join-Path $conf 'data'
$exe  = Join-Path $dest 'motcua.exe'

# An older install: stop the service (or the scheduled task of motcua <= 0.1).
if (Test-Path $exe) { & $exe service stop 2>$null }
Stop-ScheduledTask -TaskName 'MotcuaAgent' -ErrorAction SilentlyContinue
Unregister-ScheduledTask -TaskName 'MotcuaAgent' -Confirm:$false -ErrorAction SilentlyContinue

New-Item -ItemType Directory -Force -Path $dest, $conf | Out-Null
Copy-Item -Force (Join-Path $src '*.exe'), (Join-Path $src 'README.txt'), (Join-Path $src 'openapi.yaml'), (Join-Path $src 'example-clinic.html') $dest
$cfg = Join-Path $conf 'motcua.toml'
Copy-Item -Force (Join-Path $src 'motcua.toml') (Join-Path $conf 'motcua.toml.dist')
if (-not (Test-Path $cfg)) {
    Copy-Item (Join-Path $src 'motcua.toml') $cfg
} else {
    Write-Host "kept your $cfg; the new defaults are in motcua.toml.dist"
}

# The Windows service "motcua": automatic (delayed) start, restart on
# failure, Event Log source, data directory for SYSTEM and Administrators
# only; then started.
& $exe service install --config $cfg --data $data
if ($LASTEXITCODE -ne 0) { throw "motcua service install failed (see above)" }
Write-Host "installed to $dest; service motcua started; config $cfg"
