// broken_test.go: deliberately broken MPIJobs, each rejected with the message that names the mistake.
package mpioperator

import (
	"strconv"
	"strings"
	"testing"
)

func TestBrokenManifests(t *testing.T) {
	v := mustValidator(t)
	job, _ := rendered(t, "base")
	worker := "spec.mpiReplicaSpecs.Worker"
	launcher := "spec.mpiReplicaSpecs.Launcher"
	wc := worker + ".template.spec.containers.0"
	npArg := func(m map[string]any) string { return launcherArgs + "." + itoa(argIndex(m, "-np")+1) }
	tests := []struct {
		name string
		edit func(m map[string]any)
		want []string // each must appear in the error
	}{
		{"unknown field in a container", func(m map[string]any) { set(m, wc+".imagePullPolicyy", "Always") },
			[]string{"schema: /spec/mpiReplicaSpecs/Worker/template/spec/containers/0: additional properties 'imagePullPolicyy' not allowed",
				`unknown field "imagePullPolicyy"`}},
		{"unknown field in the spec", func(m map[string]any) { set(m, "spec.slotPerWorker", 1) },
			[]string{"schema: /spec: additional properties 'slotPerWorker' not allowed"}},
		{"unknown top-level field", func(m map[string]any) { set(m, "specs", map[string]any{}) },
			[]string{"schema: /: additional properties 'specs' not allowed"}},
		{"Worker replicas 0", func(m map[string]any) { set(m, worker+".replicas", 0) },
			[]string{"Worker replicas is 0, want >= 1"}},
		{"Worker replicas unset", func(m map[string]any) { del(m, worker+".replicas") },
			[]string{"Worker replicas is unset, want >= 1"}},
		{"Worker replicas not a number", func(m map[string]any) { set(m, worker+".replicas", "two") },
			[]string{"schema: /spec/mpiReplicaSpecs/Worker/replicas: got string, want integer"}},
		{"Worker restartPolicy Always", func(m map[string]any) { set(m, worker+".restartPolicy", "Always") },
			[]string{`Worker restartPolicy "Always": the operator accepts Never or OnFailure`}},
		{"Launcher restartPolicy Always", func(m map[string]any) { set(m, launcher+".restartPolicy", "Always") },
			[]string{`Launcher restartPolicy "Always": the operator accepts OnFailure or Never`}},
		{"two launchers", func(m map[string]any) { set(m, launcher+".replicas", 2) },
			[]string{"Launcher replicas is 2, want 1"}},
		{"name with capitals", func(m map[string]any) { set(m, "metadata.name", "MPITrain") },
			[]string{`metadata.name "MPITrain": a DNS-1035 label must consist`}},
		{"name starting with a digit", func(m map[string]any) { set(m, "metadata.name", "1mpitrain") },
			[]string{`metadata.name "1mpitrain": a DNS-1035 label must consist`}},
		{"name too long for the pod host names", func(m map[string]any) { set(m, "metadata.name", strings.Repeat("m", 60)) },
			[]string{"is not a DNS label: must be no more than 63 characters"}},
		{"-np mismatch", func(m map[string]any) { set(m, npArg(m), "2") },
			[]string{"launcher: mpirun -np 2, want 3 = (2 Worker pod(s) + the launcher) x 1 slot(s)"}},
		{"-np without the launcher's slot", func(m map[string]any) { set(m, "spec.runLauncherAsWorker", false) },
			[]string{"launcher: mpirun -np 3, want 2 = 2 Worker pod(s) x 1 slot(s)"}},
		{"-np for 2 slots per worker", func(m map[string]any) { set(m, "spec.slotsPerWorker", 2) },
			[]string{"launcher: mpirun -np 3, want 6 = (2 Worker pod(s) + the launcher) x 2 slot(s)"}},
		{"-np not a number", func(m map[string]any) { set(m, npArg(m), "three") },
			[]string{`launcher: mpirun -np "three" is not a positive integer`}},
		{"no hostfile", func(m map[string]any) { set(m, launcherArgs+"."+itoa(argIndex(m, "--hostfile")), "--verbose") },
			[]string{"launcher: mpirun needs --hostfile /etc/mpi/hostfile"}},
		{"no mpirun", func(m map[string]any) { set(m, launcherArgs+".0", "/usr/local/bin/trainer") },
			[]string{"launcher: no mpirun in the command"}},
		{"wrong apiVersion", func(m map[string]any) { set(m, "apiVersion", "kubeflow.org/v1") },
			[]string{`apiVersion "kubeflow.org/v1" kind "MPIJob": want apiVersion "kubeflow.org/v2beta1" kind MPIJob`}},
		{"wrong kind", func(m map[string]any) { set(m, "kind", "PyTorchJob") },
			[]string{`apiVersion "kubeflow.org/v2beta1" kind "PyTorchJob": want`}},
		{"unset $(VAR) in the launcher's args", func(m map[string]any) { set(m, launcherArgs+"."+itoa(argIndex(m, "$(RUN_ID)")), "$(RUNID)") },
			[]string{`Launcher container "launcher": $(RUNID) in its command is not in its env`}},
		{"bad quantity", func(m map[string]any) { set(m, wc+".resources.limits.memory", "1 Gi") },
			[]string{"schema: /spec/mpiReplicaSpecs/Worker/template/spec/containers/0/resources/limits/memory: '1 Gi' does not match pattern",
				"spec.mpiReplicaSpecs.Worker.template is not a valid PodTemplateSpec: quantities must match the regular expression"}},
		{"cleanPodPolicy typo", func(m map[string]any) { set(m, "spec.runPolicy.cleanPodPolicy", "Runing") },
			[]string{`spec.runPolicy.cleanPodPolicy "Runing": want None, Running or All`}},
		{"launcherCreationPolicy typo", func(m map[string]any) { set(m, "spec.launcherCreationPolicy", "WaitForWorkers") },
			[]string{`spec.launcherCreationPolicy "WaitForWorkers": want AtStartup or WaitForWorkersReady`}},
		{"MPI implementation not in the enum", func(m map[string]any) { set(m, "spec.mpiImplementation", "OpenMPI5") },
			[]string{"schema: /spec/mpiImplementation: value must be one of 'OpenMPI', 'Intel', 'MPICH'"}},
		{"keys mounted in root's home", func(m map[string]any) { set(m, "spec.sshAuthMountPath", "/root/.ssh") },
			[]string{"Worker runs as uid 1000 but spec.sshAuthMountPath is /root/.ssh"}},
		{"non-root worker with the operator's default command", func(m map[string]any) { del(m, wc+".command") },
			[]string{"Worker runs as uid 1000 with no command"}},
		{"no Worker", func(m map[string]any) { del(m, worker) },
			[]string{"spec.mpiReplicaSpecs.Worker is missing"}},
		{"a third replica type", func(m map[string]any) { set(m, "spec.mpiReplicaSpecs.Master", map[string]any{"replicas": 1}) },
			[]string{"spec.mpiReplicaSpecs.Master: want only Launcher and Worker"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := edit(t, job.JSON, tc.edit)
			err := v.Validate(doc)
			if err == nil {
				t.Fatalf("validates, want an error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestMpirunArgs(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		np   string
	}{
		{"list form", []string{"wait-for-hosts", "/etc/mpi/hostfile", "mpirun", "-np", "4", "./trainer"}, "4"},
		{"path and =", []string{"/usr/bin/mpirun", "--np=8", "trainer"}, "8"},
		{"sh -c", []string{"/bin/sh", "-c", "set -e\nexec mpirun --hostfile /etc/mpi/hostfile \\\n  -np 5 --mca plm_rsh_args \"-p 2222\" trainer --run_id \"$RUN_ID\""}, "5"},
		{"-n", []string{"mpiexec", "-n", "2", "trainer"}, "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args, err := MpirunArgs(tc.argv)
			if err != nil {
				t.Fatal(err)
			}
			if np, _ := flagValue(args, "-np", "--np", "-n"); np != tc.np {
				t.Errorf("-np %q, want %q (args %q)", np, tc.np, args)
			}
		})
	}
	if _, err := MpirunArgs([]string{"sh", "-c", "mpirun -np 'unterminated"}); err == nil {
		t.Error("an unterminated quote gives no error")
	}
}
