// rules.go: what the MPI Operator checks at run time (or gets wrong silently) that its CRD schema does not state.
package mpioperator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// MPIJob is the part of a kubeflow.org/v2beta1 MPIJob the rules read. The
// pod templates are Kubernetes' own type, decoded strictly.
type MPIJob struct {
	APIVersion string
	Kind       string
	Name       string
	Spec       struct {
		SlotsPerWorker         *int32
		RunLauncherAsWorker    *bool
		SSHAuthMountPath       string
		MPIImplementation      string
		LauncherCreationPolicy string
		CleanPodPolicy         *string
		ReplicaSpecs           map[string]*ReplicaSpec
	}
}

// ReplicaSpec is one entry of spec.mpiReplicaSpecs (Launcher or Worker).
type ReplicaSpec struct {
	Replicas      *int32
	RestartPolicy string
	Template      corev1.PodTemplateSpec
}

// Slots is spec.slotsPerWorker with the operator's default of 1.
func (j *MPIJob) Slots() int {
	if j.Spec.SlotsPerWorker == nil {
		return 1
	}
	return int(*j.Spec.SlotsPerWorker)
}

// LauncherIsWorker is spec.runLauncherAsWorker (default false).
func (j *MPIJob) LauncherIsWorker() bool {
	return j.Spec.RunLauncherAsWorker != nil && *j.Spec.RunLauncherAsWorker
}

// Workers is the Worker replica count (0 when unset).
func (j *MPIJob) Workers() int {
	if w := j.Spec.ReplicaSpecs["Worker"]; w != nil && w.Replicas != nil {
		return int(*w.Replicas)
	}
	return 0
}

// Container0 is the first container of a replica's pod template (the
// only one the operator touches), or nil.
func (j *MPIJob) Container0(replica string) *corev1.Container {
	r := j.Spec.ReplicaSpecs[replica]
	if r == nil || len(r.Template.Spec.Containers) == 0 {
		return nil
	}
	return &r.Template.Spec.Containers[0]
}

// DecodeMPIJob reads the fields of an MPIJob (JSON) that Rules checks.
// Each pod template is decoded with unknown fields disallowed, so a field
// that PodTemplateSpec does not have, or a value of the wrong type or
// format (a quantity such as "1 Gi"), is an error.
func DecodeMPIJob(doc []byte) (*MPIJob, error) {
	return decodeMPIJob(doc, true)
}

// decodeMPIJob is DecodeMPIJob; strict false lets unknown template fields
// pass, so that the rules can still be checked.
func decodeMPIJob(doc []byte, strict bool) (*MPIJob, error) {
	var raw struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			SlotsPerWorker         *int32 `json:"slotsPerWorker"`
			RunLauncherAsWorker    *bool  `json:"runLauncherAsWorker"`
			SSHAuthMountPath       string `json:"sshAuthMountPath"`
			MPIImplementation      string `json:"mpiImplementation"`
			LauncherCreationPolicy string `json:"launcherCreationPolicy"`
			RunPolicy              struct {
				CleanPodPolicy *string `json:"cleanPodPolicy"`
			} `json:"runPolicy"`
			MPIReplicaSpecs map[string]struct {
				Replicas      *int32          `json:"replicas"`
				RestartPolicy string          `json:"restartPolicy"`
				Template      json.RawMessage `json:"template"`
			} `json:"mpiReplicaSpecs"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("decoding the MPIJob: %w", err)
	}
	j := &MPIJob{APIVersion: raw.APIVersion, Kind: raw.Kind, Name: raw.Metadata.Name}
	j.Spec.SlotsPerWorker = raw.Spec.SlotsPerWorker
	j.Spec.RunLauncherAsWorker = raw.Spec.RunLauncherAsWorker
	j.Spec.SSHAuthMountPath = raw.Spec.SSHAuthMountPath
	j.Spec.MPIImplementation = raw.Spec.MPIImplementation
	j.Spec.LauncherCreationPolicy = raw.Spec.LauncherCreationPolicy
	j.Spec.CleanPodPolicy = raw.Spec.RunPolicy.CleanPodPolicy
	j.Spec.ReplicaSpecs = map[string]*ReplicaSpec{}
	for name, r := range raw.Spec.MPIReplicaSpecs {
		rs := &ReplicaSpec{Replicas: r.Replicas, RestartPolicy: r.RestartPolicy}
		if len(r.Template) > 0 {
			dec := json.NewDecoder(bytes.NewReader(r.Template))
			if strict {
				dec.DisallowUnknownFields()
			}
			if err := dec.Decode(&rs.Template); err != nil {
				return nil, fmt.Errorf("spec.mpiReplicaSpecs.%s.template is not a valid PodTemplateSpec: %w", name, err)
			}
		}
		j.Spec.ReplicaSpecs[name] = rs
	}
	return j, nil
}

// Rules returns every rule of the operator (v0.8.2) and of MPI that job
// breaks; none when it is fine. The schema admits all of these; the
// operator rejects most of them only with an event after `kubectl apply`,
// and some (a wrong -np, an unset $(VAR)) fail only inside the job.
func Rules(job *MPIJob) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if job.APIVersion != "kubeflow.org/v2beta1" || job.Kind != "MPIJob" {
		bad("apiVersion %q kind %q: want apiVersion kubeflow.org/v2beta1 kind MPIJob (the operator v0.8.2 serves v2beta1 only)", job.APIVersion, job.Kind)
	}
	// The job's name names a headless Service (a DNS-1035 label) and is
	// the prefix of every pod's host name (DNS-1123 labels).
	for _, msg := range validation.IsDNS1035Label(job.Name) {
		bad("metadata.name %q: %s", job.Name, msg)
	}
	longest := fmt.Sprintf("%s-worker-%d", job.Name, max(job.Workers()-1, 0))
	for _, msg := range validation.IsDNS1123Label(longest) {
		bad("metadata.name %q: the pod host name %q is not a DNS label: %s", job.Name, longest, msg)
	}

	if s := job.Spec.SlotsPerWorker; s != nil && *s < 1 {
		bad("spec.slotsPerWorker is %d, want >= 1", *s)
	}
	if p := job.Spec.LauncherCreationPolicy; p != "" && p != "AtStartup" && p != "WaitForWorkersReady" {
		bad("spec.launcherCreationPolicy %q: want AtStartup or WaitForWorkersReady", p)
	}
	if p := job.Spec.CleanPodPolicy; p != nil && !slices.Contains([]string{"None", "Running", "All"}, *p) {
		bad("spec.runPolicy.cleanPodPolicy %q: want None, Running or All", *p)
	}
	if job.Spec.SSHAuthMountPath == "" {
		bad("spec.sshAuthMountPath is empty: the operator would mount the ssh keys at /root/.ssh")
	}

	for name := range job.Spec.ReplicaSpecs {
		if name != "Launcher" && name != "Worker" {
			bad("spec.mpiReplicaSpecs.%s: want only Launcher and Worker", name)
		}
	}
	launcher, worker := job.Spec.ReplicaSpecs["Launcher"], job.Spec.ReplicaSpecs["Worker"]
	if launcher == nil {
		bad("spec.mpiReplicaSpecs.Launcher is missing")
	} else {
		if launcher.Replicas == nil || *launcher.Replicas != 1 {
			bad("Launcher replicas is %s, want 1", count(launcher.Replicas))
		}
		if launcher.RestartPolicy != "OnFailure" && launcher.RestartPolicy != "Never" {
			bad("Launcher restartPolicy %q: the operator accepts OnFailure or Never", launcher.RestartPolicy)
		}
	}
	if worker == nil {
		bad("spec.mpiReplicaSpecs.Worker is missing")
	} else {
		if worker.Replicas == nil || *worker.Replicas < 1 {
			bad("Worker replicas is %s, want >= 1 (the operator's default 0 fails its validation)", count(worker.Replicas))
		}
		if worker.RestartPolicy != "Never" && worker.RestartPolicy != "OnFailure" {
			bad("Worker restartPolicy %q: the operator accepts Never or OnFailure", worker.RestartPolicy)
		}
	}

	for _, name := range []string{"Launcher", "Worker"} {
		r := job.Spec.ReplicaSpecs[name]
		if r == nil {
			continue
		}
		c := job.Container0(name)
		if c == nil {
			bad("%s: the pod template has no container", name)
			continue
		}
		if c.Image == "" {
			bad("%s container %q: no image", name, c.Name)
		}
		errs = append(errs, unsetVariables(name, c)...)
		if uid := runAsUser(r.Template.Spec, *c); uid != nil && *uid != 0 && job.Spec.SSHAuthMountPath == "/root/.ssh" {
			bad("%s runs as uid %d but spec.sshAuthMountPath is /root/.ssh: ssh reads the keys from the user's own ~/.ssh", name, *uid)
		}
		if name == "Worker" && len(c.Command) == 0 && len(c.Args) == 0 {
			if uid := runAsUser(r.Template.Spec, *c); uid != nil && *uid != 0 {
				bad("Worker runs as uid %d with no command: the operator's default `/usr/sbin/sshd -De` needs root (port 22, /etc/ssh host keys); start sshd with the image's own config", *uid)
			}
		}
	}

	if launcher != nil && worker != nil {
		if c := job.Container0("Launcher"); c != nil {
			errs = append(errs, checkMpirun(job, slices.Concat(c.Command, c.Args))...)
		}
	}
	return errs
}

// ExpectedNP is the rank count that fills every slot: each Worker pod's
// slotsPerWorker, plus the launcher's when it runs as a worker.
func ExpectedNP(job *MPIJob) int {
	pods := job.Workers()
	if job.LauncherIsWorker() {
		pods++
	}
	return pods * job.Slots()
}

// checkMpirun checks the launcher's mpirun: the hostfile is named (OpenMPI
// 5 ignores the operator's ORTE variables) and -np fills the slots. The
// one exception is the launcher-only reference run: runLauncherAsWorker,
// one Worker (the operator's minimum) and -np = slotsPerWorker.
func checkMpirun(job *MPIJob, argv []string) []error {
	args, err := MpirunArgs(argv)
	if err != nil {
		return []error{fmt.Errorf("launcher: %w", err)}
	}
	var errs []error
	if v, ok := flagValue(args, "--hostfile", "-hostfile", "--machinefile", "-machinefile"); !ok || v != "/etc/mpi/hostfile" {
		errs = append(errs, fmt.Errorf("launcher: mpirun needs --hostfile /etc/mpi/hostfile (the operator's hostfile; OpenMPI 5 ignores its environment variables)"))
	}
	v, ok := flagValue(args, "-np", "--np", "-n", "-c")
	if !ok {
		return append(errs, fmt.Errorf("launcher: mpirun has no -np: give the rank count explicitly"))
	}
	np, err := strconv.Atoi(v)
	if err != nil || np < 1 {
		return append(errs, fmt.Errorf("launcher: mpirun -np %q is not a positive integer", v))
	}
	want := ExpectedNP(job)
	launcherOnly := job.LauncherIsWorker() && job.Workers() == 1 && np == job.Slots()
	if np != want && !launcherOnly {
		how := fmt.Sprintf("%d Worker pod(s) x %d slot(s)", job.Workers(), job.Slots())
		if job.LauncherIsWorker() {
			how = fmt.Sprintf("(%d Worker pod(s) + the launcher) x %d slot(s)", job.Workers(), job.Slots())
		}
		errs = append(errs, fmt.Errorf("launcher: mpirun -np %d, want %d = %s", np, want, how))
	}
	return errs
}

// MpirunArgs returns the arguments of the mpirun in a launcher's command
// line (command then args): what follows the word mpirun (or mpiexec).
// A `sh -c SCRIPT` command is split into words first.
func MpirunArgs(argv []string) ([]string, error) {
	if len(argv) >= 3 && strings.HasSuffix(argv[0], "sh") && argv[1] == "-c" {
		words, err := shellWords(argv[2])
		if err != nil {
			return nil, err
		}
		argv = words
	}
	for i, a := range argv {
		if base := a[strings.LastIndex(a, "/")+1:]; base == "mpirun" || base == "mpiexec" {
			return argv[i+1:], nil
		}
	}
	return nil, fmt.Errorf("no mpirun in the command %q", strings.Join(argv, " "))
}

// flagValue finds the value of the first of names in args ("-np 4" or
// "-np=4"), stopping at the program (the first word not a flag or value).
func flagValue(args []string, names ...string) (string, bool) {
	for i := 0; i < len(args); i++ {
		for _, n := range names {
			if args[i] == n && i+1 < len(args) {
				return args[i+1], true
			}
			if v, ok := strings.CutPrefix(args[i], n+"="); ok {
				return v, true
			}
		}
	}
	return "", false
}

// shellWords splits a POSIX shell command into words: blanks separate,
// single and double quotes group, a backslash escapes (a backslash-newline
// joins lines). Expansions are left as written.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in := false // inside a word
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s):
			i++
			if s[i] != '\n' {
				cur.WriteByte(s[i])
				in = true
			}
		case ch == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			in = true
		case ch == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				cur.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated \" in %q", s)
			}
			i = j
			in = true
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == ';':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// varRef is a Kubernetes dependent-variable reference, $(NAME), which the
// kubelet expands in command and args from the container's env; a name it
// does not know is passed on verbatim.
var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

func unsetVariables(replica string, c *corev1.Container) []error {
	var errs []error
	for _, a := range slices.Concat(c.Command, c.Args) {
		for _, m := range varRef.FindAllStringSubmatch(strings.ReplaceAll(a, "$$", ""), -1) {
			if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == m[1] }) {
				errs = append(errs, fmt.Errorf("%s container %q: $(%s) in its command is not in its env, so the kubelet passes it on verbatim", replica, c.Name, m[1]))
			}
		}
	}
	return errs
}

// runAsUser is the container's uid if its or the pod's securityContext sets one.
func runAsUser(pod corev1.PodSpec, c corev1.Container) *int64 {
	if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
		return c.SecurityContext.RunAsUser
	}
	if pod.SecurityContext != nil {
		return pod.SecurityContext.RunAsUser
	}
	return nil
}

func count(p *int32) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(int(*p))
}
