// Package mpioperator holds the Kubernetes side of mpitrain: the MPIJob
// manifests for the Kubeflow MPI Operator (base/ and overlays/), the image's
// Dockerfile, and the code that checks them without a cluster.
//
// Render builds a kustomization folder into its objects as `kubectl
// kustomize` does (it is kustomize's own krusty package). A Validator
// checks a rendered MPIJob three ways:
//
//   - against the openAPIV3Schema of the operator's CRD (testdata/), made
//     strict: an object schema that lists properties rejects any other
//     field, where the API server would silently drop it;
//   - by decoding each pod template strictly into the Kubernetes
//     PodTemplateSpec type (unknown fields and bad quantities fail);
//   - against the rules the operator enforces at run time but the schema
//     does not state (Rules): replica counts, restart policies, DNS names,
//     and the -np of the launcher's mpirun against the pods' slots.
//
// RenderWith puts a run's changes on top of a folder as JSON6902 patches
// (Worker replicas and -np as the overlays do, launcher env and trainer
// flags as scripts/k8s-run.sh does), and PodsOf works out the pods the
// operator makes of a rendered MPIJob: the hostfile, host and DNS names,
// and each container as the kubelet starts it. The command in ./pods
// prints them for scripts/image-rehearsal.sh, which runs them as
// containers of the image.
//
// The tests apply all of it to the base and every overlay, compare the
// manifests with the Dockerfile (ssh port, user, home, copied packages),
// and feed deliberately broken manifests to the Validator.
package mpioperator
