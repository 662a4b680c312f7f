// pods_test.go: the pods worked out from the manifests, and the changes a run puts on top.
package mpioperator

import (
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"RUN_ID": "r1", "EMPTY": "", "A": "$(B)"}
	for in, want := range map[string]string{
		"$(RUN_ID)":           "r1",
		"--run_id=$(RUN_ID)!": "--run_id=r1!",
		"$(RUN_ID)$(RUN_ID)":  "r1r1",
		"$(UNSET)":            "$(UNSET)",
		"$$(RUN_ID)":          "$(RUN_ID)",
		"$$":                  "$",
		"a$b":                 "a$b",
		"$":                   "$",
		"$(RUN_ID":            "$(RUN_ID",
		"x$(EMPTY)y":          "xy",
		"$(A)":                "$(B)", // values are not expanded again
		"no variables":        "no variables",
	} {
		if got := Expand(in, env); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRenderWithWorkersIsTheOverlay: the counts RenderWith patches give
// the very MPIJob of the overlay with that many workers.
func TestRenderWithWorkersIsTheOverlay(t *testing.T) {
	objs, err := RenderWith("base", Changes{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	overlay, _ := rendered(t, "overlays/workers-4")
	for _, o := range objs {
		if o.Kind == "MPIJob" && !jsonEqual(t, o.JSON, overlay.JSON) {
			t.Errorf("base with 4 workers differs from overlays/workers-4:\n%s\n%s", o.JSON, overlay.JSON)
		}
	}
}

func renderedJob(t *testing.T, dir string, ch Changes) []byte {
	t.Helper()
	objs, err := RenderWith(dir, ch)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Kind == "MPIJob" {
			if err := mustValidator(t).Validate(o.JSON); err != nil {
				t.Fatalf("%s with %+v does not validate: %v", dir, ch, err)
			}
			return o.JSON
		}
	}
	t.Fatalf("%s renders no MPIJob", dir)
	return nil
}

func TestPodsOf(t *testing.T) {
	doc := renderedJob(t, "base", Changes{
		Workers: 3,
		Env:     map[string]string{"RUN_ID": "run-7"},
		Args:    []string{"--epochs", "2"},
	})
	p, err := PodsOf(doc, "lab")
	if err != nil {
		t.Fatal(err)
	}
	if p.Job != "mpitrain" || p.NP != 4 || p.Slots != 1 || len(p.Workers) != 3 {
		t.Errorf("job %s, np %d, slots %d, %d workers; want mpitrain, 4, 1, 3", p.Job, p.NP, p.Slots, len(p.Workers))
	}
	wantHosts := "mpitrain-launcher.mpitrain.lab.svc slots=1\n" +
		"mpitrain-worker-0.mpitrain.lab.svc slots=1\n" +
		"mpitrain-worker-1.mpitrain.lab.svc slots=1\n" +
		"mpitrain-worker-2.mpitrain.lab.svc slots=1\n"
	if p.Hostfile != wantHosts {
		t.Errorf("hostfile:\n%s\nwant (the launcher first, runLauncherAsWorker):\n%s", p.Hostfile, wantHosts)
	}
	if p.SSHAuthMountPath != "/home/mpiuser/.ssh" || !slices.Equal(p.SSHKeyFiles, []string{"id_rsa", "id_rsa.pub", "authorized_keys"}) {
		t.Errorf("ssh keys %v at %s", p.SSHKeyFiles, p.SSHAuthMountPath)
	}
	if p.BackoffLimit == nil || *p.BackoffLimit != 3 {
		t.Errorf("backoffLimit %v, want 3", p.BackoffLimit)
	}

	l := p.Launcher
	if l.Hostname != "mpitrain-launcher" || l.DNSName != "mpitrain-launcher.mpitrain.lab.svc" {
		t.Errorf("launcher host %s, DNS name %s", l.Hostname, l.DNSName)
	}
	for _, e := range []string{"RUN_ID=run-7", "K_MPI_JOB_ROLE=launcher", "OMPI_MCA_orte_keep_fqdn_hostnames=true",
		"OMPI_MCA_orte_default_hostfile=/etc/mpi/hostfile", "OMPI_MCA_plm_rsh_args=-o ConnectionAttempts=10",
		"OMPI_MCA_orte_set_default_slots=1"} {
		if !slices.Contains(l.Env, e) {
			t.Errorf("launcher env %q lacks %s", l.Env, e)
		}
	}
	argv := strings.Join(l.Argv, " ")
	if !strings.Contains(argv, "mpirun --hostfile /etc/mpi/hostfile -np 4 ") ||
		!strings.Contains(argv, "--run_id run-7 --resume=auto --epochs 2") || strings.Contains(argv, "$(") {
		t.Errorf("launcher argv %q", argv)
	}
	if l.UID == nil || *l.UID != 1000 || l.FSGroup == nil || *l.FSGroup != 1000 {
		t.Errorf("launcher uid %v fsGroup %v, want 1000", l.UID, l.FSGroup)
	}
	if want := []ClaimMount{{Claim: "mpitrain-outputs", Path: "/data"}}; !slices.Equal(l.Claims, want) {
		t.Errorf("launcher claims %+v, want %+v", l.Claims, want)
	}
	if l.CPUs != 1 || l.Memory != 1<<30 {
		t.Errorf("launcher limits %g CPU %d bytes, want 1 and 1Gi", l.CPUs, l.Memory)
	}

	w := p.Workers[2]
	if w.Hostname != "mpitrain-worker-2" || w.DNSName != "mpitrain-worker-2.mpitrain.lab.svc" {
		t.Errorf("worker 2 host %s, DNS name %s", w.Hostname, w.DNSName)
	}
	if !slices.Equal(w.Argv, []string{"/usr/sbin/sshd", "-De", "-f", "/home/mpiuser/.sshd_config"}) {
		t.Errorf("worker argv %q", w.Argv)
	}
	if !slices.Equal(w.Env, []string{"K_MPI_JOB_ROLE=worker"}) || w.Probe != 2222 || len(w.Claims) != 0 {
		t.Errorf("worker env %q, probe port %d, claims %v", w.Env, w.Probe, w.Claims)
	}
}

func TestRenderWithRefuses(t *testing.T) {
	if _, err := RenderWith("base", Changes{Env: map[string]string{"NOT_THERE": "x"}}); err == nil ||
		!strings.Contains(err.Error(), "no env variable NOT_THERE") {
		t.Errorf("setting an env variable the launcher lacks: %v", err)
	}
	if _, err := RenderWith("base", Changes{Workers: -1}); err == nil {
		t.Error("Workers -1 was accepted")
	}
}
