<#
.SYNOPSIS
Build the Samen client for Windows: dist\samen\ and dist\samen-<version>-windows-x64-setup.exe.

.DESCRIPTION
Run from any folder, in Windows PowerShell 5.1 or PowerShell 7, on 64-bit Windows 10 or 11 with
Python 3.11 (the py launcher) and Inno Setup 6.3 or later:

  powershell -ExecutionPolicy Bypass -File installers\windows\build-windows.ps1

Steps: a virtualenv in .venv (unless SAMEN_SKIP_SETUP=1), PyInstaller on installers\samen.spec,
`samen-cli.exe --selftest` on the fresh bundle (offscreen, scratch data folder), Authenticode
signing of samen.exe and samen-cli.exe when SAMEN_SIGN_CERT is set, then Inno Setup (which signs
the setup and its uninstaller through its SignTool directive) and a .sha256 file.

Environment:
  SAMEN_SIGN_CERT       SHA-1 thumbprint of the code-signing certificate in the certificate
                        store (a token or HSM for EV certificates). Unset: unsigned, with a warning.
  SAMEN_TIMESTAMP_URL   RFC 3161 timestamp server (default: http://timestamp.digicert.com).
  SAMEN_SKIP_SETUP=1    use .venv as it is.
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path
Set-Location $Root
$Python = Join-Path $Root '.venv\Scripts\python.exe'
$Bundle = Join-Path $Root 'dist\samen'

# PowerShell does not stop on a native program's exit code by itself.
function Invoke-Native {
    param([Parameter(Mandatory)][string]$Program, [string[]]$Arguments = @())
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$Program $($Arguments -join ' ') failed with exit code $LASTEXITCODE"
    }
}

# A tool on PATH, else the newest match of the given wildcard paths.
function Find-Tool {
    param([Parameter(Mandatory)][string]$Name, [string[]]$Candidates = @())
    $onPath = Get-Command $Name -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    foreach ($pattern in $Candidates) {
        $found = Get-ChildItem -Path $pattern -ErrorAction SilentlyContinue |
            Sort-Object FullName -Descending | Select-Object -First 1
        if ($found) { return $found.FullName }
    }
    throw "$Name not found: install it or put it on PATH"
}

if ($env:SAMEN_SKIP_SETUP -ne '1') {
    if (-not (Test-Path $Python)) { Invoke-Native 'py' @('-3.11', '-m', 'venv', '.venv') }
    Invoke-Native $Python @('-m', 'pip', 'install', '--upgrade', 'pip')
    # The client and PyInstaller only: the server and the test tools stay out of the build.
    Invoke-Native $Python @('-m', 'pip', 'install', '-e', '.', 'pyinstaller>=6.10')
}
$Version = (& $Python -c 'import desktop; print(desktop.__version__)').Trim()
if ($LASTEXITCODE -ne 0 -or -not $Version) { throw 'cannot read desktop.__version__' }

# The compiled catalogues (.mo, not in git) the bundle speaks Dutch and English with.
Invoke-Native $Python @('-m', 'babel.messages.frontend', 'compile', '-d', 'resources\translations',
    '-D', 'samen')
Invoke-Native $Python @('-m', 'PyInstaller', '--noconfirm', '--clean', '--log-level', 'WARN',
    '--distpath', 'dist', '--workpath', 'build\pyinstaller', 'installers\samen.spec')

# samen.exe is a GUI program, whose output Windows discards: the console twin reports instead.
# The keyring check uses the Credential Locker of the account running the build.
$Scratch = Join-Path ([IO.Path]::GetTempPath()) ("samen-selftest-" + [guid]::NewGuid())
$Platform = $env:QT_QPA_PLATFORM
$env:QT_QPA_PLATFORM = 'offscreen'
try {
    Invoke-Native (Join-Path $Bundle 'samen-cli.exe') @('--data-dir', $Scratch, '--selftest')
} finally {
    $env:QT_QPA_PLATFORM = $Platform
    Remove-Item -Recurse -Force $Scratch -ErrorAction SilentlyContinue
}

$Iscc = Find-Tool 'iscc' @(
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe")
$IsccArgs = @("/DAppVersion=$Version")

if ($env:SAMEN_SIGN_CERT) {
    $SignTool = Find-Tool 'signtool' @("${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe")
    $Timestamp = if ($env:SAMEN_TIMESTAMP_URL) { $env:SAMEN_TIMESTAMP_URL } else { 'http://timestamp.digicert.com' }
    # SHA-256 file digest and RFC 3161 timestamp: the signature stays valid after the
    # certificate expires. /d names the program in the UAC and SmartScreen prompts.
    $SignArgs = @('sign', '/sha1', $env:SAMEN_SIGN_CERT, '/fd', 'sha256', '/tr', $Timestamp,
        '/td', 'sha256', '/d', 'Samen')
    $Programs = @((Join-Path $Bundle 'samen.exe'), (Join-Path $Bundle 'samen-cli.exe'))
    Invoke-Native $SignTool ($SignArgs + $Programs)
    Invoke-Native $SignTool (@('verify', '/pa') + $Programs)
    # The signature goes after PyInstaller's appended archive: check the program still starts.
    Invoke-Native (Join-Path $Bundle 'samen-cli.exe') @('--version')
    # Inno Setup signs what it writes through a sign tool named "samen" ($q is a quote, $f the
    # file); single quotes keep PowerShell from expanding them.
    $IsccArgs += '/DSign'
    $IsccArgs += ('/Ssamen=$q' + $SignTool + '$q ' + (($SignArgs | ForEach-Object {
        if ($_ -match ' ') { '$q' + $_ + '$q' } else { $_ } }) -join ' ') + ' $f')
} else {
    Write-Warning 'SAMEN_SIGN_CERT is not set: samen.exe and the installer are NOT signed. Fine for development; Windows SmartScreen warns about such downloads, so never publish them.'
}

Invoke-Native $Iscc ($IsccArgs + @('installers\windows\samen.iss'))
$Setup = Join-Path $Root "dist\samen-$Version-windows-x64-setup.exe"
if ($env:SAMEN_SIGN_CERT) { Invoke-Native $SignTool @('verify', '/pa', $Setup) }

$Hash = (Get-FileHash -Algorithm SHA256 $Setup).Hash.ToLower()
# sha256sum's format, so `sha256sum -c` checks it on any system.
Set-Content -Encoding ascii -Path "$Setup.sha256" -Value "$Hash  $(Split-Path -Leaf $Setup)"
$SizeMB = [math]::Round((Get-Item $Setup).Length / 1MB, 1)
Write-Host "Built $Bundle and $Setup ($SizeMB MB)."
