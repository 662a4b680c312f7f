// Command pods prints the pods the MPI Operator (v0.8.2) would make from
// an MPIJob kustomization: the hostfile, each pod's host name and DNS
// name, and its container as the kubelet would start it (command and args
// with $(VAR) expanded, env, user, claims, limits). scripts/image-rehearsal.sh
// runs those pods as containers of the image.
//
// Usage, from the repository root:
//
//	go run ./mpi-operator/pods [flags] [DIR]
//
// DIR is a kustomization folder (default mpi-operator/base). The flags
// change it the way the overlays and scripts/k8s-run.sh do, as JSON6902
// patches on top of DIR, and the result must pass the same validation as
// `go test ./mpi-operator/` applies to the base and overlays:
//
//	-workers N          Worker replicas, and the launcher's -np to fill every slot
//	-set NAME=VALUE     a launcher env value (repeatable), e.g. -set RUN_ID=run-1
//	-trainer-args FLAGS appended to the launcher's args, split on blanks
//	-namespace NS       the namespace in the DNS names (default "default")
//	-json               one JSON object instead of lines
//
// The output is one "KEY<TAB>VALUE" line per fact; a key that holds a list
// (argv, env, hostfile) repeats, in order. Pod keys start with "launcher."
// or "worker-I." (I from 0).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	mpioperator "mpitrain/mpi-operator"
)

type setFlag map[string]string

func (s setFlag) String() string { return fmt.Sprint(map[string]string(s)) }

func (s setFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	s[name] = value
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pods:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pods", flag.ContinueOnError)
	workers := fs.Int("workers", 0, "Worker replicas, and the launcher's -np to fill every slot (0: as DIR has them)")
	set := setFlag{}
	fs.Var(set, "set", "NAME=VALUE: a launcher env value (repeatable)")
	trainerArgs := fs.String("trainer-args", "", "flags appended to the launcher's args, split on blanks")
	namespace := fs.String("namespace", "default", "the namespace in the pods' DNS names")
	crd := fs.String("crd", "mpi-operator/testdata/kubeflow.org_mpijobs.yaml", "the MPIJob CRD the job is validated against")
	asJSON := fs.Bool("json", false, "print one JSON object instead of KEY<TAB>VALUE lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := "mpi-operator/base"
	switch fs.NArg() {
	case 0:
	case 1:
		dir = fs.Arg(0)
	default:
		return errors.New("at most one kustomization folder")
	}

	objs, err := mpioperator.RenderWith(dir, mpioperator.Changes{
		Workers: *workers, Env: set, Args: strings.Fields(*trainerArgs),
	})
	if err != nil {
		return err
	}
	var job []byte
	for _, o := range objs {
		if o.Kind == "MPIJob" {
			job = o.JSON
		}
	}
	if job == nil {
		return fmt.Errorf("%s renders no MPIJob", dir)
	}
	v, err := mpioperator.NewValidator(*crd, "v2beta1")
	if err != nil {
		return err
	}
	if err := v.Validate(job); err != nil {
		return fmt.Errorf("the MPIJob of %s with these changes is not valid:\n%w", dir, err)
	}
	pods, err := mpioperator.PodsOf(job, *namespace)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(pods)
	}
	return writeLines(out, pods)
}

// writeLines prints pods as KEY<TAB>VALUE lines.
func writeLines(out io.Writer, p *mpioperator.Pods) error {
	var lines []string
	var bad error
	add := func(key string, values ...string) {
		for _, v := range values {
			if strings.ContainsAny(v, "\n\r") {
				bad = fmt.Errorf("%s: a value with a line break (%q) cannot be written as a line", key, v)
			}
			lines = append(lines, key+"\t"+v)
		}
	}
	add("job", p.Job)
	add("namespace", p.Namespace)
	add("slots", strconv.Itoa(p.Slots))
	add("np", strconv.Itoa(p.NP))
	add("workers", strconv.Itoa(len(p.Workers)))
	if p.BackoffLimit != nil {
		add("backoff-limit", strconv.Itoa(*p.BackoffLimit))
	}
	add("ssh-auth-mount-path", p.SSHAuthMountPath)
	add("ssh-key-file", p.SSHKeyFiles...)
	add("hostfile-path", p.HostfilePath)
	add("hostfile", strings.Split(strings.TrimSuffix(p.Hostfile, "\n"), "\n")...)
	pod := func(prefix string, d mpioperator.Pod) {
		add(prefix+"hostname", d.Hostname)
		add(prefix+"dns-name", d.DNSName)
		add(prefix+"image", d.Image)
		for _, id := range []struct {
			key string
			v   *int64
		}{{"uid", d.UID}, {"gid", d.GID}, {"fs-group", d.FSGroup}} {
			if id.v != nil {
				add(prefix+id.key, strconv.FormatInt(*id.v, 10))
			}
		}
		for _, c := range d.Claims {
			mode := "rw"
			if c.ReadOnly {
				mode = "ro"
			}
			add(prefix+"claim", c.Claim+" "+c.Path+" "+mode)
		}
		for _, port := range d.Ports {
			add(prefix+"port", strconv.Itoa(int(port)))
		}
		if d.Probe != 0 {
			add(prefix+"probe-port", strconv.Itoa(d.Probe))
		}
		if d.CPUs != 0 {
			add(prefix+"cpus", strconv.FormatFloat(d.CPUs, 'f', -1, 64))
		}
		if d.Memory != 0 {
			add(prefix+"memory-bytes", strconv.FormatInt(d.Memory, 10))
		}
		add(prefix+"env", d.Env...)
		add(prefix+"argv", d.Argv...)
	}
	pod("launcher.", p.Launcher)
	for i, w := range p.Workers {
		pod(fmt.Sprintf("worker-%d.", i), w)
	}
	if bad != nil {
		return bad
	}
	_, err := io.WriteString(out, strings.Join(lines, "\n")+"\n")
	return err
}
