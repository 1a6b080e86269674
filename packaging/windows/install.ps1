# install.ps1: install Mot Cua Edge on Windows (run as Administrator).
#Requires -RunAsAdministrator
$ErrorActionPreference = 'Stop'
$src  = Split-Path -Parent $MyInvocation.MyCommand.Path
$dest = Join-Path $env:ProgramFiles 'motcua'
$conf = Join-Path $env:ProgramData 'motcua'
$data = Join-Path $conf 'data'

Stop-ScheduledTask -TaskName 'MotcuaAgent' -ErrorAction SilentlyContinue
New-Item -ItemType Directory -Force -Path $dest, $conf, $data | Out-Null
Copy-Item -Force (Join-Path $src '*.exe'), (Join-Path $src 'README.txt'), (Join-Path $src 'openapi.yaml'), (Join-Path $src 'example-clinic.html') $dest
$cfg = Join-Path $conf 'motcua.toml'
if (-not (Test-Path $cfg)) {
    Copy-Item (Join-Path $src 'motcua.toml') $cfg
} else {
    Copy-Item -Force (Join-Path $src 'motcua.toml') (Join-Path $conf 'motcua.toml.dist')
    Write-Host "kept your $cfg; the new defaults are in motcua.toml.dist"
}
# Data: SYSTEM and Administrators only.
icacls $data /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null

$exe = Join-Path $dest 'motcua.exe'
& $exe config check --config $cfg
if ($LASTEXITCODE -ne 0) { throw "fix $cfg first" }

$action   = New-ScheduledTaskAction -Execute $exe -Argument "serve --config `"$cfg`" --data `"$data`""
$trigger  = New-ScheduledTaskTrigger -AtStartup
$settings = New-ScheduledTaskSettingsSet -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
            -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable
$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
Register-ScheduledTask -TaskName 'MotcuaAgent' -Action $action -Trigger $trigger -Settings $settings -Principal $principal -Force | Out-Null
Start-ScheduledTask -TaskName 'MotcuaAgent'
Write-Host "installed to $dest; agent task MotcuaAgent started; config $cfg"
