<#
.SYNOPSIS
  Build the FieldApp bundle and MSI on Windows with PyInstaller and the WiX Toolset 3.

.DESCRIPTION
  Run from a PowerShell prompt on a 64-bit Windows build machine with Python 3.11 (x64) and
  the WiX Toolset 3.14 installed (it sets the WIX environment variable):

    python -m venv .venv
    .venv\Scripts\python -m pip install -e .
    powershell -ExecutionPolicy Bypass -File installers\windows\build-msi.ps1

  Steps: install PyInstaller into the venv, render the icon (fieldapp.ico), build the
  one-folder bundle dist\fieldapp (fieldapp.exe windowed, fieldapp-cli.exe console), check
  fieldapp-cli.exe --version, generate the file list (make-wxs-fragment.py), then candle
  and light produce dist\fieldapp-<version>-x64.msi from installers\windows\fieldapp.wxs,
  the same source wixl builds on Linux (installers/windows/build-msi.sh).

.PARAMETER Venv
  Virtual environment with FieldApp installed (default .venv).
.PARAMETER Version
  ProductVersion, numeric major.minor.build (default: fieldapp.__version__).
.PARAMETER ServerUrl
  Optional SERVER_URL default baked into the MSI (a regional package).
.PARAMETER CaBundle
  Optional CA_BUNDLE default baked into the MSI.
.PARAMETER SkipBundle
  Use the existing dist\fieldapp instead of running PyInstaller.
#>
param(
    [string]$Venv = ".venv",
    [string]$Version = "",
    [string]$ServerUrl = "",
    [string]$CaBundle = "",
    [switch]$SkipBundle
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root
$Python = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path $Python)) { throw "No Python at $Python (create the venv first, see the help)" }
if (-not $env:WIX) { throw "WiX Toolset 3 not found: install it (the WIX environment variable points to it)" }
$Candle = Join-Path $env:WIX "bin\candle.exe"
$Light = Join-Path $env:WIX "bin\light.exe"

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with exit code $LASTEXITCODE" }
}

if (-not $Version) {
    $Version = (& $Python -c "import fieldapp; print(fieldapp.__version__)").Trim()
}
$Version = ([regex]::Match($Version, '^\d+(\.\d+){0,2}')).Value
if (-not $Version) { throw "No numeric version for the MSI" }

if (-not $SkipBundle) {
    Invoke-Checked $Python @("-m", "pip", "install", "-q", "pyinstaller>=6.10,<7")
    $env:QT_QPA_PLATFORM = "offscreen"
    Invoke-Checked $Python @("installers\render-icons.py", "--out", "build\icons", "--ico")
    Invoke-Checked $Python @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", "dist", "--workpath", "build\pyinstaller", "installers\pyinstaller\fieldapp.spec")
}
$Bundle = Join-Path $Root "dist\fieldapp"
foreach ($exe in @("fieldapp.exe", "fieldapp-cli.exe")) {
    if (-not (Test-Path (Join-Path $Bundle $exe))) { throw "$Bundle\$exe missing" }
}
$reported = & (Join-Path $Bundle "fieldapp-cli.exe") --version
if ($LASTEXITCODE -ne 0) { throw "fieldapp-cli.exe --version failed" }
Write-Host "bundle: $reported"

$Work = Join-Path $Root "build\msi"
if (Test-Path $Work) { Remove-Item -Recurse -Force $Work }
New-Item -ItemType Directory -Force -Path $Work | Out-Null
Invoke-Checked $Python @("installers\windows\make-wxs-fragment.py", $Bundle, "-o", (Join-Path $Work "files.wxs"))

$Icon = Join-Path $Root "build\icons\fieldapp.ico"
Invoke-Checked $Candle @("-nologo", "-arch", "x64", "-out", "$Work\",
    "-dVersion=$Version", "-dBundleDir=$Bundle", "-dIconFile=$Icon",
    "-dServerUrl=$ServerUrl", "-dCaBundle=$CaBundle",
    "installers\windows\fieldapp.wxs", (Join-Path $Work "files.wxs"))
$Msi = Join-Path $Root "dist\fieldapp-$Version-x64.msi"
# ICE validation runs too; long file names without short names (ICE03 warnings) are expected.
Invoke-Checked $Light @("-nologo", "-out", $Msi, (Join-Path $Work "fieldapp.wixobj"), (Join-Path $Work "files.wixobj"))
Write-Host "built $Msi"
Write-Host "silent install: msiexec /i `"$Msi`" /qn SERVER_URL=https://sync.example.com CA_BUNDLE=C:\certs\ca.pem /l*v install.log"
