// manifests_test.go: the base and every overlay render, validate, and differ only in their counts.
package mpioperator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestCRDCopy checks the CRD in testdata/ is the file SOURCE.txt describes.
func TestCRDCopy(t *testing.T) {
	b, err := os.ReadFile(crdPath)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/SOURCE.txt")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); !strings.Contains(string(src), "sha256:      "+got) {
		t.Errorf("%s has sha256 %s, not the one in testdata/SOURCE.txt", crdPath, got)
	}
}

// TestRenderAndValidate renders the base and each overlay: a claim and an
// MPIJob that passes the strict schema, the strict pod template decoding
// and the operator's rules.
func TestRenderAndValidate(t *testing.T) {
	v := mustValidator(t)
	for _, dir := range kustomizations(t) {
		t.Run(dir, func(t *testing.T) {
			job, all := rendered(t, dir)
			if err := v.Validate(job.JSON); err != nil {
				t.Errorf("%s: the MPIJob does not validate:\n%v", dir, err)
			}
			var kinds []string
			for _, o := range all {
				kinds = append(kinds, o.Kind+"/"+o.Name)
				if o.Kind == "PersistentVolumeClaim" {
					var pvc corev1.PersistentVolumeClaim
					dec := json.NewDecoder(bytes.NewReader(o.JSON))
					dec.DisallowUnknownFields()
					if err := dec.Decode(&pvc); err != nil {
						t.Errorf("%s: the claim is not a valid PersistentVolumeClaim: %v", dir, err)
					}
				}
			}
			slices.Sort(kinds)
			if want := []string{"MPIJob/mpitrain", "PersistentVolumeClaim/mpitrain-outputs"}; !slices.Equal(kinds, want) {
				t.Errorf("%s renders %v, want %v", dir, kinds, want)
			}
		})
	}
}

// TestCounts pins each folder's Worker pods and ranks: workers-N has N
// Worker pods and N+1 ranks (the launcher runs rank 0); single runs rank
// 0 alone, next to the one Worker pod the operator requires.
func TestCounts(t *testing.T) {
	want := map[string][2]int{ // dir: {Worker replicas, -np}
		"base":               {2, 3},
		"overlays/single":    {1, 1},
		"overlays/workers-2": {2, 3},
		"overlays/workers-4": {4, 5},
		"overlays/workers-8": {8, 9},
	}
	for _, dir := range kustomizations(t) {
		w, ok := want[dir]
		if !ok {
			t.Errorf("%s: no expected counts in TestCounts; add them", dir)
			continue
		}
		job, _ := rendered(t, dir)
		j := mustDecode(t, job.JSON)
		args, err := MpirunArgs(slices.Concat(j.Container0("Launcher").Command, j.Container0("Launcher").Args))
		if err != nil {
			t.Fatal(err)
		}
		np, _ := flagValue(args, "-np")
		if got := [2]int{j.Workers(), atoi(np)}; got != w {
			t.Errorf("%s: Worker replicas %d and -np %d, want %d and %d", dir, got[0], got[1], w[0], w[1])
		}
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// TestOverlaysChangeOnlyCounts renders each overlay, puts the base's
// Worker replicas and -np back, and wants the base, object for object.
// Each overlay's kustomization has the base as its only resource and
// patches nothing but those two values.
func TestOverlaysChangeOnlyCounts(t *testing.T) {
	baseJob, baseAll := rendered(t, "base")
	var baseMap map[string]any
	if err := json.Unmarshal(baseJob.JSON, &baseMap); err != nil {
		t.Fatal(err)
	}
	npAt := argIndex(baseMap, "-np") + 1
	if npAt == 0 {
		t.Fatal("base: the launcher's args have no -np")
	}
	npPath := launcherArgs + "." + strconv.Itoa(npAt)
	baseNP := get(baseMap, npPath)
	baseWorkers := get(baseMap, "spec.mpiReplicaSpecs.Worker.replicas")
	for _, dir := range kustomizations(t)[1:] {
		t.Run(dir, func(t *testing.T) {
			job, all := rendered(t, dir)
			normal := edit(t, job.JSON, func(m map[string]any) {
				if argIndex(m, "-np")+1 != npAt {
					t.Errorf("%s: -np moved in the launcher's args", dir)
				}
				set(m, npPath, baseNP)
				set(m, "spec.mpiReplicaSpecs.Worker.replicas", baseWorkers)
			})
			if !jsonEqual(t, normal, baseJob.JSON) {
				t.Errorf("%s: the MPIJob differs from the base's in more than Worker replicas and -np", dir)
			}
			if len(all) != len(baseAll) {
				t.Fatalf("%s renders %d objects, the base %d", dir, len(all), len(baseAll))
			}
			for i := range all {
				if all[i].Kind != "MPIJob" && !jsonEqual(t, all[i].JSON, baseAll[i].JSON) {
					t.Errorf("%s: %s/%s differs from the base's", dir, all[i].Kind, all[i].Name)
				}
			}
			checkOverlayKustomization(t, dir)
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// checkOverlayKustomization reads an overlay's kustomization.yaml: only
// the base as resource, only JSON6902 operations on the two counts.
func checkOverlayKustomization(t *testing.T, dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
		Patches    []struct {
			Target struct {
				Group   string `json:"group"`
				Version string `json:"version"`
				Kind    string `json:"kind"`
				Name    string `json:"name"`
			} `json:"target"`
			Patch string `json:"patch"`
		} `json:"patches"`
	}
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v (only apiVersion, kind, resources and patches are expected)", dir, err)
	}
	if !slices.Equal(k.Resources, []string{"../../base"}) {
		t.Errorf("%s: resources %v, want [../../base]", dir, k.Resources)
	}
	allowed := map[string]bool{
		"replace /spec/mpiReplicaSpecs/Worker/replicas":                            true,
		"test /spec/mpiReplicaSpecs/Launcher/template/spec/containers/0/args/3":    true,
		"replace /spec/mpiReplicaSpecs/Launcher/template/spec/containers/0/args/4": true,
	}
	for _, p := range k.Patches {
		if tg := p.Target; tg.Group != "kubeflow.org" || tg.Version != "v2beta1" || tg.Kind != "MPIJob" || tg.Name != "mpitrain" {
			t.Errorf("%s: a patch targets %+v, want kubeflow.org/v2beta1 MPIJob mpitrain", dir, tg)
		}
		var ops []struct {
			Op, Path string
			Value    any
		}
		if err := yaml.Unmarshal([]byte(p.Patch), &ops); err != nil {
			t.Errorf("%s: the patch is not a JSON6902 list: %v", dir, err)
			continue
		}
		for _, op := range ops {
			if !allowed[op.Op+" "+op.Path] {
				t.Errorf("%s: patch operation %q on %s changes more than the counts", dir, op.Op, op.Path)
			}
			if op.Op == "test" && op.Value != "-np" {
				t.Errorf("%s: the test operation checks %v, want -np", dir, op.Value)
			}
		}
	}
}

// TestRankZeroWritesToTheClaim: rank 0 writes the run folder, so the pod
// where rank 0 runs must mount the claim, and --out must be inside it.
// With runLauncherAsWorker the hostfile starts with the launcher, so rank
// 0 is the launcher's; without it, rank 0 would be on Worker pod 0, whose
// template (shared by every Worker, spread over nodes) cannot mount a
// ReadWriteOnce claim.
func TestRankZeroWritesToTheClaim(t *testing.T) {
	for _, dir := range kustomizations(t) {
		job, all := rendered(t, dir)
		j := mustDecode(t, job.JSON)
		if !j.LauncherIsWorker() {
			t.Errorf("%s: runLauncherAsWorker is false: rank 0 would run in Worker pod 0, not in the launcher that mounts the claim", dir)
		}
		claim := ""
		for _, o := range all {
			if o.Kind == "PersistentVolumeClaim" {
				claim = o.Name
			}
		}
		mount := claimMount(j, "Launcher", claim)
		if mount == "" {
			t.Errorf("%s: the launcher does not mount the claim %q", dir, claim)
			continue
		}
		if m := claimMount(j, "Worker", claim); m != "" {
			t.Errorf("%s: Worker pods mount the claim at %s; a ReadWriteOnce claim cannot follow pods over nodes", dir, m)
		}
		c := j.Container0("Launcher")
		args, _ := MpirunArgs(slices.Concat(c.Command, c.Args))
		out, ok := flagValue(args, "--out")
		if !ok || !strings.HasPrefix(out+"/", strings.TrimSuffix(mount, "/")+"/") {
			t.Errorf("%s: trainer --out %q is not inside the claim's mount %s", dir, out, mount)
		}
	}
}

// claimMount is where containers[0] of replica mounts the claim, or "".
func claimMount(j *MPIJob, replica, claim string) string {
	r := j.Spec.ReplicaSpecs[replica]
	for _, v := range r.Template.Spec.Volumes {
		if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != claim {
			continue
		}
		for _, m := range r.Template.Spec.Containers[0].VolumeMounts {
			if m.Name == v.Name {
				return m.MountPath
			}
		}
	}
	return ""
}

// TestPodTemplates checks what the operator's users trip over: Istio
// sidecars, unset resources, workers crowding one node.
func TestPodTemplates(t *testing.T) {
	job, _ := rendered(t, "base")
	j := mustDecode(t, job.JSON)
	for _, replica := range []string{"Launcher", "Worker"} {
		tmpl := j.Spec.ReplicaSpecs[replica].Template
		if tmpl.Annotations["sidecar.istio.io/inject"] != "false" {
			t.Errorf("%s: no annotation sidecar.istio.io/inject: \"false\"", replica)
		}
		c := j.Container0(replica)
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[r]; !ok {
				t.Errorf("%s: no %s request", replica, r)
			}
			if _, ok := c.Resources.Limits[r]; !ok {
				t.Errorf("%s: no %s limit", replica, r)
			}
		}
		a := tmpl.Spec.Affinity
		if a == nil || a.PodAntiAffinity == nil || len(a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
			t.Errorf("%s: no preferred pod anti-affinity", replica)
			continue
		}
		term := a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm
		if term.TopologyKey != "kubernetes.io/hostname" || term.LabelSelector == nil ||
			term.LabelSelector.MatchLabels["training.kubeflow.org/job-name"] != j.Name {
			t.Errorf("%s: the anti-affinity term does not select this job's pods (label training.kubeflow.org/job-name=%s) per node", replica, j.Name)
		}
	}
	if p := j.Spec.LauncherCreationPolicy; p != "WaitForWorkersReady" {
		t.Errorf("launcherCreationPolicy %q: want WaitForWorkersReady, so the launcher starts after every sshd is ready", p)
	}
	if p := j.Spec.CleanPodPolicy; p == nil || *p == "None" {
		t.Errorf("runPolicy.cleanPodPolicy unset or None: workers would keep running after the job")
	}
}
