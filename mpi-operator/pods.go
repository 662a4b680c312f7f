// pods.go: the pods the MPI Operator makes from an MPIJob, worked out without a cluster.
package mpioperator

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Changes are what a run puts on top of a kustomization folder, each as a
// JSON6902 patch of the MPIJob, the way the overlays and scripts/k8s-run.sh
// write them.
type Changes struct {
	// Workers > 0 sets the Worker replicas and the launcher's -np to the
	// rank count that fills every slot (what each overlay patches).
	Workers int
	// Env replaces the values of launcher env variables; each name must be
	// in the launcher's env already (k8s-run.sh sets RUN_ID this way).
	Env map[string]string
	// Args are appended to the launcher's args (k8s-run.sh's TRAINER_ARGS).
	Args []string
}

const launcherPath = "/spec/mpiReplicaSpecs/Launcher/template/spec/containers/0"

// RenderWith renders the kustomization folder dir with ch on top: a
// kustomization in a temporary folder whose only resource is dir and whose
// patches are ch. With no changes it is Render(dir).
func RenderWith(dir string, ch Changes) ([]Object, error) {
	objs, err := Render(dir)
	if err != nil || (ch.Workers == 0 && len(ch.Env) == 0 && len(ch.Args) == 0) {
		return objs, err
	}
	var jobDoc []byte
	for _, o := range objs {
		if o.Kind == "MPIJob" {
			if jobDoc != nil {
				return nil, fmt.Errorf("%s renders more than one MPIJob", dir)
			}
			jobDoc = o.JSON
		}
	}
	if jobDoc == nil {
		return nil, fmt.Errorf("%s renders no MPIJob", dir)
	}
	job, err := decodeMPIJob(jobDoc, false)
	if err != nil {
		return nil, err
	}
	launcher := job.Container0("Launcher")
	if launcher == nil {
		return nil, fmt.Errorf("%s: the MPIJob has no launcher container", dir)
	}

	type op struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}
	var ops []op
	if ch.Workers < 0 {
		return nil, fmt.Errorf("the Worker's replicas %d: want at least 1", ch.Workers)
	}
	if ch.Workers > 0 {
		i := slices.Index(launcher.Args, "-np")
		if i < 0 || i+1 >= len(launcher.Args) {
			return nil, fmt.Errorf("%s: the launcher's args have no -np N to patch", dir)
		}
		pods := ch.Workers
		if job.LauncherIsWorker() {
			pods++
		}
		ops = append(ops,
			op{"replace", "/spec/mpiReplicaSpecs/Worker/replicas", ch.Workers},
			op{"test", fmt.Sprintf("%s/args/%d", launcherPath, i), "-np"},
			op{"replace", fmt.Sprintf("%s/args/%d", launcherPath, i+1), strconv.Itoa(pods * job.Slots())})
	}
	names := make([]string, 0, len(ch.Env))
	for name := range ch.Env {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		i := slices.IndexFunc(launcher.Env, func(e corev1.EnvVar) bool { return e.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%s: the launcher has no env variable %s to set", dir, name)
		}
		ops = append(ops,
			op{"test", fmt.Sprintf("%s/env/%d/name", launcherPath, i), name},
			op{"replace", fmt.Sprintf("%s/env/%d/value", launcherPath, i), ch.Env[name]})
	}
	for _, a := range ch.Args {
		ops = append(ops, op{"add", launcherPath + "/args/-", a})
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "mpijob-changes-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// kustomize takes a folder resource only as a relative path.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(tmp, abs)
	if err != nil {
		return nil, err
	}
	// JSON is YAML: the kustomization is written as JSON.
	k, err := json.MarshalIndent(map[string]any{
		"apiVersion": "kustomize.config.k8s.io/v1beta1",
		"kind":       "Kustomization",
		"resources":  []string{rel},
		"patches": []map[string]any{{
			"target": map[string]string{"group": "kubeflow.org", "version": "v2beta1", "kind": "MPIJob", "name": job.Name},
			"patch":  string(patch),
		}},
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "kustomization.yaml"), k, 0o644); err != nil {
		return nil, err
	}
	return Render(tmp)
}

// Pods is what the MPI Operator (v0.8.2, OpenMPI) makes of an MPIJob in
// a namespace, reduced to what running its containers takes: the
// hostfile, the ssh key files, and one entry per pod.
type Pods struct {
	Job          string `json:"job"`
	Namespace    string `json:"namespace"`
	Slots        int    `json:"slots"`
	NP           int    `json:"np"` // the launcher's mpirun -np
	BackoffLimit *int   `json:"backoffLimit,omitempty"`
	// SSHAuthMountPath is where every pod mounts the job's key Secret, as
	// the files SSHKeyFiles (mode 0644 unless the path is /root/.ssh).
	SSHAuthMountPath string   `json:"sshAuthMountPath"`
	SSHKeyFiles      []string `json:"sshKeyFiles"`
	// Hostfile (mode 0444) is mounted in the launcher at HostfilePath.
	HostfilePath string `json:"hostfilePath"`
	Hostfile     string `json:"hostfile"`
	Launcher     Pod    `json:"launcher"`
	Workers      []Pod  `json:"workers"`
}

// Pod is one pod: its host name and DNS name, and its first container
// (the only one the operator touches) as the kubelet would start it.
type Pod struct {
	Role     string `json:"role"`     // launcher or worker
	Hostname string `json:"hostname"` // <job>-launcher, <job>-worker-<i>
	DNSName  string `json:"dnsName"`  // <hostname>.<job>.<namespace>.svc, the hostfile's name
	Image    string `json:"image"`
	// Argv is command then args, each $(VAR) expanded from Env as the
	// kubelet does; Env is NAME=VALUE, the container's own then the
	// operator's.
	Argv    []string     `json:"argv"`
	Env     []string     `json:"env"`
	UID     *int64       `json:"uid,omitempty"`
	GID     *int64       `json:"gid,omitempty"`
	FSGroup *int64       `json:"fsGroup,omitempty"`
	Claims  []ClaimMount `json:"claims,omitempty"`
	Ports   []int32      `json:"ports,omitempty"`
	Probe   int          `json:"probePort,omitempty"`   // the readiness probe's tcpSocket port
	CPUs    float64      `json:"cpus,omitempty"`        // the CPU limit
	Memory  int64        `json:"memoryBytes,omitempty"` // the memory limit
}

// ClaimMount is a PersistentVolumeClaim mounted in the container.
type ClaimMount struct {
	Claim    string `json:"claim"`
	Path     string `json:"path"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// The operator's names (pkg/controller/mpi_job_controller.go, v0.8.2).
const (
	hostfilePath = "/etc/mpi/hostfile"
	rootSSHPath  = "/root/.ssh"
)

var sshKeyFiles = []string{"id_rsa", "id_rsa.pub", "authorized_keys"}

// PodsOf works out the pods of the MPIJob doc (rendered JSON) in
// namespace, as the operator v0.8.2 builds them for OpenMPI: the launcher
// with the hostfile and the ORTE variables, one pod per Worker replica,
// the key Secret on every pod.
func PodsOf(doc []byte, namespace string) (*Pods, error) {
	job, err := DecodeMPIJob(doc)
	if err != nil {
		return nil, err
	}
	if job.Spec.MPIImplementation != "OpenMPI" {
		return nil, fmt.Errorf("mpiImplementation %q: only OpenMPI is worked out here", job.Spec.MPIImplementation)
	}
	var rest struct {
		Spec struct {
			RunPolicy struct {
				BackoffLimit *int `json:"backoffLimit"`
			} `json:"runPolicy"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(doc, &rest); err != nil {
		return nil, err
	}
	p := &Pods{
		Job:              job.Name,
		Namespace:        namespace,
		Slots:            job.Slots(),
		BackoffLimit:     rest.Spec.RunPolicy.BackoffLimit,
		SSHAuthMountPath: job.Spec.SSHAuthMountPath,
		SSHKeyFiles:      sshKeyFiles,
		HostfilePath:     hostfilePath,
	}
	if p.SSHAuthMountPath == "" {
		p.SSHAuthMountPath = rootSSHPath // the CRD's default
	}
	dns := func(host string) string { return fmt.Sprintf("%s.%s.%s.svc", host, job.Name, namespace) }

	launcherEnv := []corev1.EnvVar{
		{Name: "K_MPI_JOB_ROLE", Value: "launcher"},
		{Name: "OMPI_MCA_orte_keep_fqdn_hostnames", Value: "true"},
		{Name: "OMPI_MCA_orte_default_hostfile", Value: hostfilePath},
		{Name: "OMPI_MCA_plm_rsh_args", Value: "-o ConnectionAttempts=10"},
		{Name: "OMPI_MCA_orte_set_default_slots", Value: strconv.Itoa(p.Slots)},
	}
	if !job.LauncherIsWorker() {
		launcherEnv = append(launcherEnv, corev1.EnvVar{Name: "NVIDIA_VISIBLE_DEVICES"}, corev1.EnvVar{Name: "NVIDIA_DRIVER_CAPABILITIES"})
	}
	host := job.Name + "-launcher"
	p.Launcher, err = podOf(job, "Launcher", host, dns(host), launcherEnv)
	if err != nil {
		return nil, err
	}
	var hostfile strings.Builder
	if job.LauncherIsWorker() {
		fmt.Fprintf(&hostfile, "%s slots=%d\n", p.Launcher.DNSName, p.Slots)
	}
	for i := range job.Workers() {
		host := fmt.Sprintf("%s-worker-%d", job.Name, i)
		w, err := podOf(job, "Worker", host, dns(host), []corev1.EnvVar{{Name: "K_MPI_JOB_ROLE", Value: "worker"}})
		if err != nil {
			return nil, err
		}
		p.Workers = append(p.Workers, w)
		fmt.Fprintf(&hostfile, "%s slots=%d\n", w.DNSName, p.Slots)
	}
	p.Hostfile = hostfile.String()

	args, err := MpirunArgs(p.Launcher.Argv)
	if err != nil {
		return nil, err
	}
	v, ok := flagValue(args, "-np", "--np", "-n", "-c")
	if !ok {
		return nil, errors.New("the launcher's mpirun has no -np")
	}
	if p.NP, err = strconv.Atoi(v); err != nil {
		return nil, fmt.Errorf("the launcher's mpirun -np %q: %w", v, err)
	}
	return p, nil
}

// podOf builds the pod of a replica: the template's first container with
// the operator's env appended and its command expanded.
func podOf(job *MPIJob, replica, host, dnsName string, operatorEnv []corev1.EnvVar) (Pod, error) {
	r := job.Spec.ReplicaSpecs[replica]
	c := job.Container0(replica)
	if r == nil || c == nil {
		return Pod{}, fmt.Errorf("the MPIJob has no %s container", replica)
	}
	spec := r.Template.Spec
	pod := Pod{Role: strings.ToLower(replica), Hostname: host, DNSName: dnsName, Image: c.Image}

	env := map[string]string{}
	for _, e := range slices.Concat(c.Env, operatorEnv) {
		if e.ValueFrom != nil {
			return Pod{}, fmt.Errorf("%s env %s: valueFrom needs a cluster", replica, e.Name)
		}
		v := Expand(e.Value, env) // an env value may use the variables defined before it
		env[e.Name] = v
		pod.Env = append(pod.Env, e.Name+"="+v)
	}
	command := c.Command
	if len(command) == 0 && len(c.Args) == 0 && replica == "Worker" {
		command = []string{"/usr/sbin/sshd", "-De"} // the operator's default
	}
	for _, a := range slices.Concat(command, c.Args) {
		pod.Argv = append(pod.Argv, Expand(a, env))
	}

	if sc := spec.SecurityContext; sc != nil {
		pod.UID, pod.GID, pod.FSGroup = sc.RunAsUser, sc.RunAsGroup, sc.FSGroup
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			pod.UID = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			pod.GID = sc.RunAsGroup
		}
	}
	for _, m := range c.VolumeMounts {
		i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name })
		if i < 0 {
			return Pod{}, fmt.Errorf("%s mounts volume %q, which the pod does not have", replica, m.Name)
		}
		claim := spec.Volumes[i].PersistentVolumeClaim
		if claim == nil {
			return Pod{}, fmt.Errorf("%s volume %q: only PersistentVolumeClaim volumes are worked out here", replica, m.Name)
		}
		pod.Claims = append(pod.Claims, ClaimMount{Claim: claim.ClaimName, Path: m.MountPath, ReadOnly: m.ReadOnly || claim.ReadOnly})
	}
	for _, port := range c.Ports {
		pod.Ports = append(pod.Ports, port.ContainerPort)
	}
	if pr := c.ReadinessProbe; pr != nil && pr.TCPSocket != nil {
		pod.Probe = pr.TCPSocket.Port.IntValue()
	}
	if q, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		pod.CPUs = float64(q.MilliValue()) / 1000
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		pod.Memory = q.Value()
	}
	return pod, nil
}

// Expand replaces each $(NAME) in s by env[NAME], as the kubelet expands a
// container's command, args and env values: a name not in env stays
// $(NAME) as written, $$ is a literal $, and any other $ is kept.
func Expand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
