<#
.SYNOPSIS
  Intune Remediations remediation script, paired with Detect-Ssetop.ps1: fixes what is safe to
  fix on the device, then runs ssetop again and reports.

.DESCRIPTION
  ssetop itself changes nothing. The one failure a script can safely repair on the device is a
  stopped service or driver of the SSE clients: this script starts each service that a failing
  `services:<vendor>` check reports as stopped (a service whose start type is Disabled is left
  alone: someone disabled it on purpose). Everything else ssetop reports (split-tunnel
  exclusions, forwarding profile, Entra join, proxy, DoH and QUIC policies) is fixed in the
  vendors' consoles or in Intune policies; the remedy of each check names where.

  Exit code: 0 when ssetop no longer reports a failure after the repair, 1 otherwise.
  Deploy as SYSTEM in 64-bit PowerShell, like the detection script.
#>
$ErrorActionPreference = 'Stop'
$exe = Join-Path $env:ProgramFiles 'ssetop\ssetop.exe'
if (-not (Test-Path -LiteralPath $exe)) {
    Write-Output "ssetop is not installed ($exe)"
    exit 1
}

function Invoke-Ssetop {
    $json = & $exe --once --format json --deadline 15s 2>&1 | Out-String
    [pscustomobject]@{ Code = $LASTEXITCODE; Report = ($json | ConvertFrom-Json) }
}

$before = Invoke-Ssetop
$actions = @()
$failing = @($before.Report.checks | Where-Object { $_.id -like 'services:*' -and $_.status -eq 'fail' })
foreach ($check in $failing) {
    $vendor = $check.id.Substring('services:'.Length)
    $client = $before.Report.clients | Where-Object { $_.vendor -eq $vendor }
    foreach ($svc in @($client.services | Where-Object { $_.state -eq 'stopped' })) {
        $service = Get-CimInstance Win32_Service -Filter "Name='$($svc.name)'" -ErrorAction SilentlyContinue
        if ($null -eq $service) {
            $service = Get-CimInstance Win32_SystemDriver -Filter "Name='$($svc.name)'" -ErrorAction SilentlyContinue
        }
        if ($null -ne $service -and $service.StartMode -eq 'Disabled') {
            $actions += "left $($svc.name) alone (start type Disabled)"
            continue
        }
        # sc.exe starts kernel drivers as well as services (Start-Service handles services only).
        $out = & "$env:SystemRoot\System32\sc.exe" start $svc.name 2>&1 | Out-String
        if ($LASTEXITCODE -eq 0) {
            $actions += "started $($svc.name)"
        } else {
            $actions += "could not start $($svc.name): $($out.Trim())"
        }
    }
}

$after = Invoke-Ssetop
$still = @($after.Report.checks | Where-Object { $_.status -eq 'fail' } | ForEach-Object { $_.id })
$text = "ssetop $($after.Report.verdict) after remediation"
if ($actions.Count -gt 0) { $text += "; " + ($actions -join '; ') } else { $text += "; nothing to repair on the device" }
if ($still.Count -gt 0) { $text += "; still failing: " + ($still -join ', ') }
if ($text.Length -gt 2000) { $text = $text.Substring(0, 1997) + '...' }
Write-Output $text
if ($after.Code -ge 2) { exit 1 }
exit 0
