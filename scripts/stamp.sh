# Sourced by setup.sh and run.sh: a short hash of what a slow step reads, so a warm start skips the
# step when none of it changed (the frontend build, collectstatic's compression of ~40 MB).
# inputs_hash PATH... — paths and contents of every file under the paths (missing paths count as empty).
inputs_hash() {
  local path
  for path in "$@"; do
    if [ -d "$path" ]; then
      find "$path" -type f ! -name '.built-*' ! -name '.collected-*' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    elif [ -f "$path" ]; then
      sha256sum "$path"
    else
      echo "missing $path"
    fi
  done | sha256sum | cut -c1-16
}

# stamp_fresh DIR NAME HASH — true when DIR holds the stamp NAME-HASH (the step already ran on these inputs).
stamp_fresh() { [ -f "$1/$2-$3" ]; }

# stamp_set DIR NAME HASH — record that the step ran on these inputs (and forget older stamps).
stamp_set() {
  mkdir -p "$1"
  rm -f "$1/$2"-*
  touch "$1/$2-$3"
}
