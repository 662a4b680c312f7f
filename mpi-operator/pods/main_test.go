// main_test.go: the lines scripts/image-rehearsal.sh reads, and the flags that are refused.
package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	mpioperator "mpitrain/mpi-operator"
)

const crd = "../testdata/kubeflow.org_mpijobs.yaml"

// values returns the values of key in KEY<TAB>VALUE lines, in order.
func values(out, key string) []string {
	var vs []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if k, v, ok := strings.Cut(l, "\t"); ok && k == key {
			vs = append(vs, v)
		}
	}
	return vs
}

func TestRunLines(t *testing.T) {
	var b strings.Builder
	err := run([]string{"-workers", "3", "-set", "RUN_ID=t-1", "-trainer-args", "--epochs 2  --no_plots",
		"-namespace", "lab", "-crd", crd, "../base"}, &b)
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for key, want := range map[string][]string{
		"job":                 {"mpitrain"},
		"np":                  {"4"},
		"workers":             {"3"},
		"ssh-auth-mount-path": {"/home/mpiuser/.ssh"},
		"ssh-key-file":        {"id_rsa", "id_rsa.pub", "authorized_keys"},
		"hostfile-path":       {"/etc/mpi/hostfile"},
		"hostfile": {"mpitrain-launcher.mpitrain.lab.svc slots=1", "mpitrain-worker-0.mpitrain.lab.svc slots=1",
			"mpitrain-worker-1.mpitrain.lab.svc slots=1", "mpitrain-worker-2.mpitrain.lab.svc slots=1"},
		"launcher.hostname":      {"mpitrain-launcher"},
		"launcher.uid":           {"1000"},
		"launcher.fs-group":      {"1000"},
		"launcher.claim":         {"mpitrain-outputs /data rw"},
		"launcher.memory-bytes":  {"1073741824"},
		"worker-2.dns-name":      {"mpitrain-worker-2.mpitrain.lab.svc"},
		"worker-2.probe-port":    {"2222"},
		"worker-2.argv":          {"/usr/sbin/sshd", "-De", "-f", "/home/mpiuser/.sshd_config"},
		"worker-3.hostname":      nil,
		"launcher.not-a-key-yet": nil,
	} {
		if got := values(out, key); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
	if env := values(out, "launcher.env"); !slices.Contains(env, "RUN_ID=t-1") || !slices.Contains(env, "K_MPI_JOB_ROLE=launcher") {
		t.Errorf("launcher.env %q lacks RUN_ID=t-1 or K_MPI_JOB_ROLE=launcher", env)
	}
	argv := strings.Join(values(out, "launcher.argv"), " ")
	if !strings.Contains(argv, " -np 4 ") || !strings.HasSuffix(argv, "--run_id t-1 --resume=auto --epochs 2 --no_plots") {
		t.Errorf("launcher.argv %q", argv)
	}
}

func TestRunJSON(t *testing.T) {
	var b strings.Builder
	if err := run([]string{"-json", "-crd", crd, "../base"}, &b); err != nil {
		t.Fatal(err)
	}
	var p mpioperator.Pods
	if err := json.Unmarshal([]byte(b.String()), &p); err != nil {
		t.Fatalf("-json output does not parse: %v", err)
	}
	if p.NP != 3 || len(p.Workers) != 2 || p.Namespace != "default" {
		t.Errorf("base as it is: -np %d, %d workers, namespace %q; want 3, 2, default", p.NP, len(p.Workers), p.Namespace)
	}
}

func TestRunRefuses(t *testing.T) {
	for name, args := range map[string][]string{
		"two folders":        {"-crd", crd, "../base", "../overlays/single"},
		"set without =":      {"-crd", crd, "-set", "RUN_ID", "../base"},
		"unknown env":        {"-crd", crd, "-set", "NOT_THERE=1", "../base"},
		"negative workers":   {"-crd", crd, "-workers", "-1", "../base"},
		"no such folder":     {"-crd", crd, "../no-such-folder"},
		"no such CRD":        {"-crd", "../testdata/none.yaml", "../base"},
		"a line break value": {"-crd", crd, "-set", "RUN_ID=a\nb", "../base"},
		"unknown flag":       {"-crd", crd, "-nodes", "2", "../base"},
	} {
		var b strings.Builder
		if err := run(args, &b); err == nil {
			t.Errorf("%s: %q accepted, printed %d bytes", name, args, b.Len())
		}
	}
}
