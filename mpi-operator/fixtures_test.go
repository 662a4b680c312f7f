// fixtures_test.go: what the tests share: the validator, rendered folders, JSON edits, the Dockerfile's facts.
package mpioperator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// crdPath is the operator's CRD, copied into the repository (SOURCE.txt).
const crdPath = "testdata/kubeflow.org_mpijobs.yaml"

var validator = sync.OnceValues(func() (*Validator, error) {
	return NewValidator(crdPath, "v2beta1")
})

func mustValidator(t *testing.T) *Validator {
	t.Helper()
	v, err := validator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// kustomizations are the folders a user can apply: the base and each overlay.
func kustomizations(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("overlays/*/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"base"}
	for _, d := range dirs {
		out = append(out, filepath.Dir(d))
	}
	return out
}

var renderCache sync.Map // dir -> []Object

// rendered renders dir once per test binary and returns its MPIJob and
// the other objects.
func rendered(t *testing.T, dir string) (job Object, all []Object) {
	t.Helper()
	v, ok := renderCache.Load(dir)
	if !ok {
		objs, err := Render(dir)
		if err != nil {
			t.Fatal(err)
		}
		v, _ = renderCache.LoadOrStore(dir, objs)
	}
	all = v.([]Object)
	n := 0
	for _, o := range all {
		if o.Kind == "MPIJob" {
			job = o
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%s renders %d MPIJobs, want 1", dir, n)
	}
	return job, all
}

func mustDecode(t *testing.T, doc []byte) *MPIJob {
	t.Helper()
	j, err := DecodeMPIJob(doc)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// edit returns a copy of the JSON document doc with fn applied to its
// generic form.
func edit(t *testing.T, doc []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// at walks a dotted path ("spec.mpiReplicaSpecs.Worker.template.spec.
// containers.0") to the container it names and returns it with the last key.
func at(m map[string]any, path string) (parent any, key string) {
	keys := strings.Split(path, ".")
	var cur any = m
	for _, k := range keys[:len(keys)-1] {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			i, _ := strconv.Atoi(k)
			cur = c[i]
		}
	}
	return cur, keys[len(keys)-1]
}

// get returns the value at a dotted path.
func get(m map[string]any, path string) any {
	parent, k := at(m, path)
	switch c := parent.(type) {
	case map[string]any:
		return c[k]
	case []any:
		i, _ := strconv.Atoi(k)
		return c[i]
	}
	return nil
}

func set(m map[string]any, path string, v any) {
	parent, k := at(m, path)
	switch c := parent.(type) {
	case map[string]any:
		c[k] = v
	case []any:
		i, _ := strconv.Atoi(k)
		c[i] = v
	}
}

func del(m map[string]any, path string) {
	parent, k := at(m, path)
	delete(parent.(map[string]any), k)
}

// launcherArgs is the path of the launcher container's args in an MPIJob.
const launcherArgs = "spec.mpiReplicaSpecs.Launcher.template.spec.containers.0.args"

// argIndex is the index of the first launcher arg equal to s, or -1.
func argIndex(m map[string]any, s string) int {
	list, _ := at(m, launcherArgs+".0")
	return slices.Index(list.([]any), any(s))
}

// dockerfile is what the tests read from mpi-operator/Dockerfile.
type dockerfile struct {
	text       string
	stages     []string   // the text of each stage, FROM line first
	sshPorts   []string   // every "Port N" line written into an ssh or sshd config
	sshdConfig string     // the file the sshd config is written to
	home, uid  string     // mpiuser's home and uid (useradd)
	env        []string   // names set by ENV
	copies     [][]string // sources of each COPY without --from, in the build stage
	apt        [][]string // packages apt-get installs, per stage
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := dockerfile{text: string(b)}
	// Logical lines: backslash-newline continues, comments dropped.
	var lines []string
	var cur strings.Builder
	for _, l := range strings.Split(d.text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if s, ok := strings.CutSuffix(l, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(l)
		if line := strings.TrimSpace(cur.String()); line != "" {
			lines = append(lines, line)
		}
		cur.Reset()
	}
	for _, l := range lines {
		word, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(word) {
		case "FROM":
			d.stages = append(d.stages, "")
		case "COPY":
			if len(d.stages) == 1 && !strings.Contains(rest, "--from") {
				f := strings.Fields(rest)
				d.copies = append(d.copies, f[:len(f)-1])
			}
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				if k, _, ok := strings.Cut(kv, "="); ok {
					d.env = append(d.env, k)
				}
			}
		case "RUN":
			for _, m := range regexp.MustCompile(`apt-get install([^&]*)`).FindAllStringSubmatch(rest, -1) {
				var pkgs []string
				for _, p := range strings.Fields(m[1]) {
					if !strings.HasPrefix(p, "-") {
						pkgs = append(pkgs, p)
					}
				}
				for len(d.apt) < len(d.stages) {
					d.apt = append(d.apt, nil)
				}
				d.apt[len(d.stages)-1] = append(d.apt[len(d.stages)-1], pkgs...)
			}
			if m := regexp.MustCompile(`useradd .*--home-dir (\S+) .*--uid (\d+)`).FindStringSubmatch(rest); m != nil {
				d.home, d.uid = m[1], m[2]
			}
			if m := regexp.MustCompile(`'Port \d+'.*> (\S+)`).FindStringSubmatch(rest); m != nil && strings.Contains(rest, "HostKey") {
				d.sshdConfig = m[1]
			}
		}
		if len(d.stages) > 0 {
			d.stages[len(d.stages)-1] += l + "\n"
		}
	}
	for _, m := range regexp.MustCompile(`'\s*Port (\d+)'`).FindAllStringSubmatch(d.text, -1) {
		d.sshPorts = append(d.sshPorts, m[1])
	}
	return d
}
