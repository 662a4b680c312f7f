// image_test.go: the manifests agree with the image the Dockerfile builds.
package mpioperator

import (
	"go/build"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestManifestsMatchImage compares the base MPIJob with the Dockerfile:
// the ssh port everywhere, the user and its ~/.ssh, the sshd config the
// workers start, the programs the launcher runs, and the environment
// that remote ranks only get through mpirun -x.
func TestManifestsMatchImage(t *testing.T) {
	d := readDockerfile(t)
	job, _ := rendered(t, "base")
	j := mustDecode(t, job.JSON)
	launcher, worker := j.Container0("Launcher"), j.Container0("Worker")

	// One port: sshd's config, the ssh client config, the worker's port and
	// probe, and mpirun's ssh arguments.
	if len(d.sshPorts) < 2 {
		t.Fatalf("Dockerfile: found %d Port lines (%v), want the sshd and the ssh client config", len(d.sshPorts), d.sshPorts)
	}
	port := d.sshPorts[0]
	for _, p := range d.sshPorts {
		if p != port {
			t.Errorf("Dockerfile: Port lines disagree: %v", d.sshPorts)
		}
	}
	if len(worker.Ports) == 0 || strconv.Itoa(int(worker.Ports[0].ContainerPort)) != port {
		t.Errorf("Worker containerPort %v, want %s (the Dockerfile's sshd Port)", worker.Ports, port)
	}
	if p := worker.ReadinessProbe; p == nil || p.TCPSocket == nil || p.TCPSocket.Port.String() != port {
		t.Errorf("Worker readinessProbe %+v, want tcpSocket port %s", p, port)
	}
	args, err := MpirunArgs(slices.Concat(launcher.Command, launcher.Args))
	if err != nil {
		t.Fatal(err)
	}
	rsh := ""
	if i := slices.Index(args, "plm_rsh_args"); i > 0 && args[i-1] == "--mca" && i+1 < len(args) {
		rsh = args[i+1]
	}
	if !strings.Contains(" "+rsh+" ", " -p "+port+" ") {
		t.Errorf("mpirun --mca plm_rsh_args %q, want -p %s", rsh, port)
	}

	// The user: the pods' uid is the image's mpiuser, and its ~/.ssh is
	// where the operator mounts the keys.
	if d.uid == "" || d.home == "" {
		t.Fatal("Dockerfile: no `useradd ... --home-dir H ... --uid N` line")
	}
	if want := d.home + "/.ssh"; j.Spec.SSHAuthMountPath != want {
		t.Errorf("sshAuthMountPath %q, want %q (the image user's ~/.ssh)", j.Spec.SSHAuthMountPath, want)
	}
	for _, replica := range []string{"Launcher", "Worker"} {
		sc := j.Spec.ReplicaSpecs[replica].Template.Spec.SecurityContext
		if sc == nil || sc.RunAsUser == nil || strconv.FormatInt(*sc.RunAsUser, 10) != d.uid {
			t.Errorf("%s: securityContext.runAsUser is not %s (the image's mpiuser)", replica, d.uid)
		}
	}

	// Workers start the image's sshd config; the launcher the image's programs.
	if want := []string{"/usr/sbin/sshd", "-De", "-f", d.sshdConfig}; !slices.Equal(worker.Command, want) {
		t.Errorf("Worker command %q, want %q (the sshd config the Dockerfile writes)", worker.Command, want)
	}
	for _, prog := range []string{launcher.Command[0], "/usr/local/bin/trainer"} {
		if !strings.Contains(d.text, "/usr/local/bin/"+filepath.Base(prog)) {
			t.Errorf("the launcher runs %s, which the Dockerfile does not install in /usr/local/bin", prog)
		}
	}
	if !slices.Contains(args, "/usr/local/bin/trainer") {
		t.Errorf("mpirun does not start /usr/local/bin/trainer: %q", args)
	}
	if j.Spec.MPIImplementation != "OpenMPI" || !strings.Contains(d.stages[len(d.stages)-1], "openmpi-bin") {
		t.Errorf("mpiImplementation %q, want OpenMPI, the MPI the image installs", j.Spec.MPIImplementation)
	}

	// sshd does not pass the container's environment to the processes it
	// starts: whatever the image sets for ranks must travel with -x.
	for _, name := range d.env {
		if !strings.HasPrefix(name, "OMPI_") && !strings.HasPrefix(name, "OPENBLAS_") {
			continue
		}
		forwarded := false
		for i := range args[:len(args)-1] {
			forwarded = forwarded || (args[i] == "-x" && (args[i+1] == name || strings.HasPrefix(args[i+1], name+"=")))
		}
		if !forwarded {
			t.Errorf("the image sets %s but mpirun does not forward it with -x %s: remote ranks would not see it", name, name)
		}
	}

	// The image both containers name is the placeholder scripts/k8s-run.sh replaces.
	for _, c := range []string{launcher.Image, worker.Image} {
		if c != "mpitrain:latest" {
			t.Errorf("image %q, want the placeholder mpitrain:latest", c)
		}
	}
}

// TestDockerfileBuildsTheTrainer follows the trainer's imports inside the
// module (with cgo, default tags, as the image builds it): every package
// folder (and any file the main package embeds) must be copied into the
// build stage, and every C library its cgo
// code names through pkg-config must be installed in the build stage
// (-dev package) and the runtime stage.
func TestDockerfileBuildsTheTrainer(t *testing.T) {
	d := readDockerfile(t)
	if len(d.stages) != 2 || len(d.apt) != 2 {
		t.Fatalf("Dockerfile: %d stages with %d apt-get installs, want a build and a runtime stage", len(d.stages), len(d.apt))
	}
	copied := map[string]bool{}
	for _, c := range d.copies {
		for _, src := range c {
			copied[strings.TrimSuffix(src, "/")] = true
		}
	}
	for _, f := range []string{"go.mod", "go.sum", "*.go"} {
		if !copied[f] {
			t.Errorf("Dockerfile: the build stage does not COPY %s", f)
		}
	}
	// Debian packages for each pkg-config name the trainer's cgo uses.
	debian := map[string][2]string{ // pkg-config name: {build, runtime}
		"ompi-c":   {"libopenmpi-dev", "openmpi-bin"},
		"openblas": {"libopenblas-dev", "libopenblas0"},
	}
	ctx := build.Default
	ctx.CgoEnabled = true
	seen := map[string]bool{}
	var visit func(dir string)
	visit = func(dir string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		p, err := ctx.ImportDir(filepath.Join("..", dir), 0)
		if err != nil {
			t.Fatalf("reading package %s: %v", dir, err)
		}
		if dir == "." {
			for _, pat := range p.EmbedPatterns {
				if !copied[pat] {
					t.Errorf("the main package embeds %s, which the Dockerfile's build stage does not COPY", pat)
				}
			}
		} else if !copied[strings.SplitN(dir, "/", 2)[0]] {
			t.Errorf("the trainer imports mpitrain/%s but the Dockerfile's build stage does not COPY %s/", dir, strings.SplitN(dir, "/", 2)[0])
		}
		for _, name := range p.CgoPkgConfig {
			pk, ok := debian[name]
			if !ok {
				t.Errorf("mpitrain/%s uses pkg-config %s: add its Debian packages here and to the Dockerfile", dir, name)
				continue
			}
			if !slices.Contains(d.apt[0], pk[0]) {
				t.Errorf("mpitrain/%s links %s: the build stage must apt-get install %s", dir, name, pk[0])
			}
			if !slices.Contains(d.apt[1], pk[1]) {
				t.Errorf("mpitrain/%s links %s: the runtime stage must apt-get install %s", dir, name, pk[1])
			}
		}
		for _, imp := range p.Imports {
			if rel, ok := strings.CutPrefix(imp, "mpitrain/"); ok {
				visit(rel)
			}
		}
	}
	visit(".")
	if !seen["collective"] {
		t.Errorf("the trainer does not import mpitrain/collective? imports seen: %v", seen)
	}
}
