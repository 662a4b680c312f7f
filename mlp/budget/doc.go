// Package budget answers, before a run allocates anything large, whether it
// fits: Need estimates the memory one rank uses for a model, a batch and a
// dataset, and RankLimit reads what one rank may use on this host (the
// cgroup memory limit of a pod or a Slurm job, cgroup v1 or v2, else the
// machine's available memory), shared among the ranks on the host.
package budget
