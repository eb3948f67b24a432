# VS Code agent-mode hook of the Belay extension (Windows): runs the bundled
# `belay` CLI with a runtime that can load Belay's native SQLite binary.
# Fails closed: when no runtime can be found it denies (exit 2).
$ErrorActionPreference = 'Stop'
$cli = Join-Path $PSScriptRoot '..\..\dist\belay.js'
$state = if ($env:BELAY_HOME) { $env:BELAY_HOME } else { Join-Path $HOME '.belay' }
$env:ELECTRON_RUN_AS_NODE = '1'
$candidates = @()
if ($env:BELAY_NODE) { $candidates += $env:BELAY_NODE }
$recordedFile = Join-Path $state 'runtime'
if (Test-Path $recordedFile) { $candidates += (Get-Content $recordedFile -TotalCount 1) }
foreach ($runtime in $candidates) {
  if ($runtime -and (Test-Path $runtime)) {
    $inputText = [Console]::In.ReadToEnd()
    $inputText | & $runtime $cli hook vscode
    exit $LASTEXITCODE
  }
}
$node = Get-Command node -ErrorAction SilentlyContinue
if ($node) {
  $major = [int](& $node.Source -p "process.versions.node.split('.')[0]")
  if ($major -ge 22) {
    $inputText = [Console]::In.ReadToEnd()
    $inputText | & $node.Source $cli hook vscode
    exit $LASTEXITCODE
  }
}
[Console]::Error.WriteLine('Belay: no runtime found to run its guard (is the Belay extension enabled?); denied to stay safe.')
exit 2
