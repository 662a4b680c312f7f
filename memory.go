// memory.go: before anything large is allocated, every rank estimates what
// it will need and compares it with what it may use; a run that cannot fit
// ends at once with one line naming both figures and the flag to change.
package main

import (
	"fmt"
	"os"
	"syscall"

	"mpitrain/collective"
	"mpitrain/data"
	"mpitrain/mlp"
	"mpitrain/mlp/budget"
)

// memoryReport is config.json's "memory": rank 0's estimate by part, the
// other ranks' total (they write no artifacts), and what this host allows.
type memoryReport struct {
	Rank0       budget.Estimate `json:"rank0_estimate"`
	OtherRanks  int64           `json:"other_ranks_estimate"`
	RankLimit   int64           `json:"rank_limit"`
	LimitSource string          `json:"rank_limit_source"`
}

// checkMemory estimates this rank's needs for cfg on ds and compares them
// with its share of the host's memory (the cgroup limit where one is set,
// else MemAvailable, over the ranks on this host). oneHost says that all
// size ranks run on this host, where the gradient sum goes through a
// shared-memory window (unless --allreduce mpi). It calls no collective;
// the caller agrees on the error.
func checkMemory(cfg Config, ds *data.Dataset, rank, size, ranksOnHost int, oneHost bool) (memoryReport, error) {
	arch, err := cfg.arch()
	if err != nil {
		return memoryReport{}, err
	}
	run := budget.Run{Arch: arch, ElemSize: 4, MaxBatch: mlp.ShardRows(cfg.BatchSize, size),
		Optimizer: cfg.Optimizer, Momentum: cfg.Momentum, KeepBest: cfg.Patience > 0,
		Train: ds.Train.N, Val: ds.Val.N, Test: ds.Test.N, Window: ds.Opts.Window, Horizon: ds.Opts.Horizon}
	if cfg.DType == "float64" {
		run.ElemSize = 8
	}
	if ds.Train.N > 0 && len(ds.Train.Dates) == ds.Train.N {
		run.Days = ds.Train.N + ds.Val.N + ds.Test.N + ds.Opts.Window + ds.Opts.Horizon - 1
	}
	run.Singleton = size == 1 && !launched()
	if cfg.Allreduce != "mpi" && size > 1 && oneHost {
		run.SumWindow = collective.SharedWindowBytes(mlp.ReduceLen(arch.NumParams()), run.ElemSize)
	}
	var rep memoryReport
	root := run
	root.Root, root.Plots = true, !cfg.NoPlots
	if rep.Rank0, err = budget.Need(root); err != nil {
		return rep, err
	}
	other, err := budget.Need(run)
	if err != nil {
		return rep, err
	}
	rep.OtherRanks = other.Total
	lim, err := budget.RankLimit("/", ranksOnHost)
	if err != nil {
		return rep, err
	}
	rep.RankLimit, rep.LimitSource = lim.Bytes, lim.Source
	mine := other
	if rank == 0 {
		mine = rep.Rank0
	}
	if mine.Total > lim.Bytes {
		part, bytes, flags := mine.Largest()
		return rep, usagef("this run needs about %s per rank, %s of it for %s, and rank %d may use %s (%s): lower %s",
			budget.Bytes(mine.Total), budget.Bytes(bytes), part, rank, budget.Bytes(lim.Bytes), lim.Source, flags)
	}
	return rep, nil
}

// launched reports whether a launcher (mpirun, srun) started this process,
// as opposed to a singleton MPI process.
func launched() bool {
	for _, v := range []string{"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "SLURM_STEP_ID"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}

// ranksOnHost counts the ranks whose host label equals this rank's.
func ranksOnHost(hosts []string, rank int) int {
	n := 0
	for _, h := range hosts {
		if h == hosts[rank] {
			n++
		}
	}
	return n
}

// peakRSS is this process's peak resident set size in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // Linux reports KiB
}

// memoryLine is the model line's memory part.
func (m memoryReport) line(size int) string {
	s := fmt.Sprintf("memory about %s on rank 0", budget.Bytes(m.Rank0.Total))
	if size > 1 {
		s += fmt.Sprintf(", %s on the others", budget.Bytes(m.OtherRanks))
	}
	return s + fmt.Sprintf(" (a rank may use %s)", budget.Bytes(m.RankLimit))
}
