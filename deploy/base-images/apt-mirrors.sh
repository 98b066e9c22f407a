#!/usr/bin/env bash
# Prints "URI SUITE" for every enabled `deb` entry of the apt source files given (one-line
# .list format and deb822 .sources), so build.sh uses the mirror this machine's apt uses.
#   apt-mirrors.sh /etc/apt/sources.list /etc/apt/sources.list.d/*.sources
# Files that do not exist are skipped; so are deb-src entries and stanzas with Enabled: no.
set -euo pipefail

for file in "$@"; do
  [ -f "$file" ] || continue
  case "$file" in
    *.sources)
      # deb822: stanzas separated by blank lines; Types/URIs/Suites may list several values.
      awk '
        function flush(   t, u, s, nt, nu, ns, i, j, k, isdeb) {
          if (enabled != "no" && types != "" && uris != "" && suites != "") {
            nt = split(types, t, /[ \t]+/); isdeb = 0
            for (i = 1; i <= nt; i++) if (t[i] == "deb") isdeb = 1
            if (isdeb) {
              nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
              for (j = 1; j <= nu; j++) for (k = 1; k <= ns; k++)
                if (u[j] != "" && s[k] != "") print u[j], s[k]
            }
          }
          types = uris = suites = enabled = ""
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        {
          line = $0; key = tolower(line); sub(/:.*/, "", key); sub(/^[^:]*:[ \t]*/, "", line)
          sub(/[ \t]+$/, "", line)
          if (key == "types") types = line
          else if (key == "uris") uris = line
          else if (key == "suites") suites = line
          else if (key == "enabled") enabled = tolower(line)
        }
        END { flush() }
      ' "$file"
      ;;
    *)
      # One-line: deb [options] URI SUITE COMPONENT...
      awk '
        /^[ \t]*deb[ \t]/ {
          i = 2
          if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
          if (i + 1 <= NF) print $i, $(i + 1)
        }
      ' "$file"
      ;;
  esac
done
