<#
.SYNOPSIS
  Intune Remediations detection script: runs `ssetop --once --format json` and turns its exit
  code into Intune's (0: no issue, 1: issue detected, which runs the remediation script).

.DESCRIPTION
  ssetop's exit codes: 0 every check passed, 1 a warning, 2 a failure or an alert at fail,
  3 the probe could not run. By default only failures (2) and a probe that could not run (3)
  count as an issue; set $FailOnWarning to $true to count warnings too.

  The one-line summary printed here is what Intune shows as "pre-remediation detection output"
  (it keeps 2048 characters). The whole report is written to
  %ProgramData%\ssetop\last-report.json for collection (Collect diagnostics, or a log shipper).

  Deploy with "Run this script using the logged-on credentials: No" (runs as SYSTEM, elevated,
  so ssetop sees every socket's owner and every service) and "Run script in 64-bit PowerShell:
  Yes" (so $env:ProgramFiles is C:\Program Files, where the MSI installs ssetop). Running as
  SYSTEM, WinINet proxy settings are SYSTEM's own; the WinHTTP proxy is machine-wide either way.
#>
$ErrorActionPreference = 'Stop'
$FailOnWarning = $false
$Deadline = '15s'

$exe = Join-Path $env:ProgramFiles 'ssetop\ssetop.exe'
$outDir = Join-Path $env:ProgramData 'ssetop'
$reportPath = Join-Path $outDir 'last-report.json'

if (-not (Test-Path -LiteralPath $exe)) {
    Write-Output "ssetop is not installed ($exe): deploy the ssetop MSI first"
    exit 1
}
New-Item -ItemType Directory -Force -Path $outDir | Out-Null

# --no-dns would skip the edge-name checks; they are part of the health check, so DNS is on.
$json = & $exe --once --format json --deadline $Deadline 2>&1 | Out-String
$code = $LASTEXITCODE
Set-Content -LiteralPath $reportPath -Value $json -Encoding UTF8

if ($code -eq 3) {
    Write-Output ("ssetop could not run: " + $json.Trim())
    exit 1
}
try {
    $report = $json | ConvertFrom-Json
} catch {
    Write-Output "ssetop exited $code but its output is not JSON; see $reportPath"
    exit 1
}

$bad = @($report.checks | Where-Object { $_.status -eq 'fail' -or ($FailOnWarning -and $_.status -eq 'warn') })
$alerts = @($report.alerts | ForEach-Object { "alert $($_.id): $($_.summary)" })
$summary = "ssetop $($report.verdict) (setup $($report.setup.id)): " +
    (@($bad | ForEach-Object { "$($_.status) $($_.id): $($_.summary)" }) + $alerts -join ' | ')
if ($summary.Length -gt 2000) { $summary = $summary.Substring(0, 1997) + '...' }
Write-Output $summary

if ($code -eq 2 -or ($FailOnWarning -and $code -eq 1)) { exit 1 }
exit 0
