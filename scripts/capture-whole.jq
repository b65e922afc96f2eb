# Prints a capture's lines whole: the header, then every snapshot, rebuilding each
# `{"patch": …}` line (format ssetop.capture.v2) from the snapshot before it.
#   jq -c -n -f scripts/capture-whole.jq < capture.ndjson
def patched($p):
  if $p | has("v") then $p.v
  elif $p | has("a") then
    . as $old
    | reduce $p.a[] as $op ({at: 0, rows: []};
        if ($op | type) == "array" then .rows += $op
        elif $op >= 0 then .rows += $old[.at:(.at + $op)] | .at += $op
        else .at -= $op
        end)
    | .rows
  elif $p | has("o") then
    reduce ($p.o | to_entries[]) as $m (.; .[$m.key] |= patched($m.value))
    | delpaths([($p.r // [])[] | [.]])
  else error("a patch has none of v, o, a")
  end;

input,
foreach inputs as $line (null;
  if ($line | type) == "object" and ($line | has("patch")) then patched($line.patch) else $line end;
  .)
