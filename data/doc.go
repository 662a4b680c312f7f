// Package data turns a daily price series into the windows a model trains on.
//
// The flow, one file per step:
//
//	embed.go        the default series: S&P 500 closes 2000-01-03..2020-04-17
//	                (5,105 days, vega-datasets@3.2.1, BSD-3-Clause), embedded
//	csv.go          LoadCSV: Yahoo, Stooq and the embedded layouts; WriteCSV
//	fetch.go        Fetch: live download from Yahoo Finance or Stooq
//	clean.go        Series and Clean: sort, drop repeated dates, check values, gaps
//	window.go       Prepare: windows X (n, window), y (n, horizon), split 70/15/15
//	                chronologically by target date
//	normalize.go    Normalizer: minmax, zscore or per-window, fitted on train only
//	npz.go          WriteNPZ, ReadNPZ: the dataset for numpy, and the seed layout
//	shard.go        Shards: one permutation per (seed, epoch), global batches,
//	                near-equal contiguous shards per rank
//	fingerprint.go  Dataset.Fingerprint: ranks prove they hold the same data
//	atomic.go       every file written to a temporary name, synced, renamed
//	errors.go       sentinels, ParseError (file:line:col) and NPZError (key)
//
// Typical use:
//
//	s, rep, err := data.LoadEmbeddedReport("close")  // or LoadCSVReport(path, "adjclose")
//	// log rep.Notes(): "dropped 2 duplicate dates", one line per gap
//	d, err := data.Prepare(s, data.DefaultOptions())
//	// d.Train.X is (d.Train.N, 60), normalized with d.Norm fitted on d.Train only
//	for epoch := range epochs {
//		for _, idx := range data.Shards(d.Train.N, batch, seed, epoch, rank, size) {
//			// idx: this rank's rows of the step's global batch (maybe none)
//		}
//	}
//
// Bad data (files, values, responses) gives errors naming the file, line,
// column, key or symbol; the package never panics on it. Misuse by the
// caller (a nil Series to Clean, a rank out of range, an unknown
// Normalizer kind) panics with a "data: ..." message, as each function's
// comment says.
package data
