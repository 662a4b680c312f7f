// What one rank may use: the cgroup memory limit or the available memory,
// divided among the ranks on the host.
package budget

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Limit is the memory one rank may use, and where the figure comes from.
type Limit struct {
	Bytes  int64
	Source string // e.g. "cgroup v2 memory.max 2.0 GiB / 2 ranks on this host"
}

// unlimited: cgroup v1 reports "no limit" as the largest int64 rounded
// down to a page; anything at or above 2^60 is taken as no limit.
const unlimited = int64(1) << 60

// RankLimit returns what one of ranksOnHost ranks may use on this host:
// the tightest memory limit of this process's cgroup and its ancestors
// (cgroup v2 memory.max, cgroup v1 memory.limit_in_bytes) where one is
// set, and the machine's MemAvailable (/proc/meminfo) otherwise or when it
// is lower, divided by ranksOnHost. root is the file system root, "/"
// except in tests.
func RankLimit(root string, ranksOnHost int) (Limit, error) {
	if ranksOnHost < 1 {
		return Limit{}, fmt.Errorf("budget: %d ranks on this host", ranksOnHost)
	}
	avail, err := memAvailable(root)
	if err != nil {
		return Limit{}, err
	}
	total, src := avail, "MemAvailable "+Bytes(avail)
	if cg, cgSrc, ok := cgroupLimit(root); ok && cg < total {
		total, src = cg, cgSrc+" "+Bytes(cg)
	}
	per := total / int64(ranksOnHost)
	if ranksOnHost > 1 {
		src += fmt.Sprintf(" / %d ranks on this host", ranksOnHost)
	}
	return Limit{Bytes: per, Source: src}, nil
}

// memAvailable reads MemAvailable from /proc/meminfo.
func memAvailable(root string) (int64, error) {
	path := filepath.Join(root, "proc", "meminfo")
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("budget: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != "MemAvailable" {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 {
			break
		}
		return n * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("budget: %s: %w", path, err)
	}
	return 0, fmt.Errorf("budget: %s has no readable MemAvailable line", path)
}

// cgroupLimit finds the tightest memory limit on the way from this
// process's cgroup up to the hierarchy's root, v2 first, then v1.
func cgroupLimit(root string) (int64, string, bool) {
	f, err := os.Open(filepath.Join(root, "proc", "self", "cgroup"))
	if err != nil {
		return 0, "", false
	}
	defer f.Close()
	best, src, found := unlimited, "", false
	// try reads file in the cgroup rel of the hierarchy mounted at base and
	// in every ancestor up to base (a container sees its own cgroup as the
	// root; a Slurm step's limit may sit on the job's cgroup above it).
	try := func(base, rel, file, label string) {
		for d := filepath.Join(base, rel); strings.HasPrefix(d, base); d = filepath.Dir(d) {
			if v, err := readLimit(filepath.Join(d, file)); err == nil && v < best {
				best, src, found = v, label, true
			}
			if d == base {
				return
			}
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			base := filepath.Join(root, "sys", "fs", "cgroup")
			if _, err := os.Stat(filepath.Join(base, "cgroup.controllers")); err != nil {
				base = filepath.Join(root, "sys", "fs", "cgroup", "unified") // hybrid mounts
			}
			try(base, parts[2], "memory.max", "cgroup v2 memory.max")
		case hasController(parts[1], "memory"):
			try(filepath.Join(root, "sys", "fs", "cgroup", "memory"), parts[2], "memory.limit_in_bytes", "cgroup v1 memory.limit_in_bytes")
		}
	}
	return best, src, found
}

func hasController(list, c string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == c {
			return true
		}
	}
	return false
}

var errNoLimit = errors.New("no limit")

// readLimit reads a limit file: a byte count, or "max" (none).
func readLimit(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 0, errNoLimit
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("budget: %s: %q is not a byte count", path, s)
	}
	if v >= unlimited {
		return 0, errNoLimit
	}
	return v, nil
}

// Bytes formats n as "512 MiB" or "1.5 GiB".
func Bytes(n int64) string {
	const k = 1024
	switch {
	case n >= k*k*k*k:
		return fmt.Sprintf("%.1f TiB", float64(n)/(k*k*k*k))
	case n >= k*k*k:
		return fmt.Sprintf("%.1f GiB", float64(n)/(k*k*k))
	case n >= k*k:
		return fmt.Sprintf("%.0f MiB", float64(n)/(k*k))
	case n >= k:
		return fmt.Sprintf("%.0f KiB", float64(n)/k)
	}
	return fmt.Sprintf("%d B", n)
}
