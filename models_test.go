// models_test.go: every sequence model trains, evaluates, writes and plots
// like the MLP, under a real mpirun: np 1 to 4 give the same history, a
// stopped run resumes bit for bit, trainer predict forecasts from its
// model.json, and another model's checkpoint or model.json is refused.
package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mpitrain/mlp"
)

// sequenceModels are the models besides the mlp, with small sizes that
// train in a second.
func sequenceModels() map[string][]string {
	small := map[string][]string{
		mlp.ModelLSTM:        {"--model", "lstm", "--hidden_dim", "8", "--num_layers", "2"},
		mlp.ModelTransformer: {"--model", "transformer", "--hidden_dim", "8", "--heads", "2", "--num_layers", "1", "--ff_dim", "16"},
	}
	out := map[string][]string{}
	for _, m := range mlp.Models {
		if f, ok := small[m]; ok {
			out[m] = append(f, "--window", "16")
		}
	}
	return out
}

func TestSequenceModelsRanksChangeSpeedNotResults(t *testing.T) {
	models := sequenceModels()
	if len(models) == 0 {
		t.Fatal("no sequence model in mlp.Models")
	}
	for name, flags := range models {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"--dtype", "float64", "--epochs", "2", "--batch_size", "60", "--no_plots"}, flags...)
			ref, r := mustTrain(t, 1, out, "np1", args...)
			if !strings.Contains(r.stdout, "model: "+name) {
				t.Errorf("model line does not name %s:\n%s", name, r.stdout)
			}
			refTrain, refVal := readLosses(t, ref)
			for _, np := range []int{2, 3, 4} {
				dir, _ := mustTrain(t, np, out, "np"+string(rune('0'+np)), args...)
				tr, va := readLosses(t, dir)
				if len(tr) != len(refTrain) || len(tr) != 2 {
					t.Fatalf("np %d: %d epochs, want %d", np, len(tr), len(refTrain))
				}
				for i := range tr {
					if !(relDiff(tr[i], refTrain[i]) <= 1e-9) || !(relDiff(va[i], refVal[i]) <= 1e-9) {
						t.Errorf("np %d epoch %d: %.17g/%.17g vs np 1 %.17g/%.17g", np, i+1, tr[i], va[i], refTrain[i], refVal[i])
					}
				}
			}
		})
	}
}

// A sequence model stopped by SIGTERM mid-run resumes and ends with the
// model.json, metrics.json and history of a run never stopped; it writes
// the charts; trainer predict forecasts from it; its checkpoint is refused
// by a run of another model, and its model.json with another model's
// architecture is refused, both naming the setting.
func TestSequenceModelsResumePredictRefuse(t *testing.T) {
	for name, flags := range sequenceModels() {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"--epochs", "12", "--patience", "0", "--batch_size", "32"}, flags...)
			ref, _ := mustTrain(t, 2, out, "ref", args...)
			for _, f := range []string{"loss.png", "predictions.png", "loss.svg", "predictions.svg", "predictions.csv"} {
				if _, err := os.Stat(filepath.Join(ref, f)); err != nil {
					t.Errorf("chart: %v", err)
				}
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cmd, log := startSlowTrainer(t, ctx, 2, 5, append([]string{"--out", out, "--run_id", "stopped"}, args...)...)
			run := filepath.Join(out, "stopped")
			waitForCheckpoint(t, run, 2)
			sent := time.Now()
			cmd.Process.Signal(syscall.SIGTERM)
			if code, _ := waitExit(t, cmd, log, sent, 30*time.Second); code == 0 {
				t.Fatalf("exit 0 after SIGTERM:\n%s", log)
			}
			if _, err := os.Stat(filepath.Join(run, "model.json")); err == nil {
				t.Fatal("the run finished before the signal: the test proved nothing")
			}
			r := runTrainer(t, 2, 2*time.Minute, append([]string{"--out", out, "--run_id", "stopped", "--resume"}, args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "resume: from the checkpoint") {
				t.Fatalf("resume: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			sameRun(t, ref, run)

			p := runTrainer(t, 0, time.Minute, "predict", "--model", filepath.Join(ref, "model.json"))
			if p.code != 0 || !strings.Contains(p.stdout, "forecast day +1: ") {
				t.Errorf("predict: exit %d\n%s%s", p.code, p.stdout, p.stderr)
			}

			ckpts := listCheckpoints(ref)
			if len(ckpts) == 0 {
				t.Fatal("no checkpoint")
			}
			r = runTrainer(t, 0, time.Minute, "--out", out, "--run_id", "other", "--epochs", "12", "--patience", "0", "--batch_size", "32", "--window", "16", "--resume="+ckpts[len(ckpts)-1])
			checkRefused(t, r, exitUsage, "was written with --model "+name+", this run has mlp")

			var m map[string]any
			bm, err := os.ReadFile(filepath.Join(ref, "model.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(bm, &m); err != nil {
				t.Fatal(err)
			}
			arch := m["arch"].(map[string]any)
			arch["Model"] = "mlp"
			arch["Hidden"] = []int{8}
			bad, _ := json.Marshal(m)
			badPath := filepath.Join(out, "tampered.json")
			os.WriteFile(badPath, bad, 0o644)
			p = runTrainer(t, 0, time.Minute, "predict", "--model", badPath)
			if p.code == 0 || !strings.Contains(p.stderr, "parameters, the architecture needs") {
				t.Errorf("a model.json whose architecture is another model's: exit %d %s", p.code, p.stderr)
			}
		})
	}
}
