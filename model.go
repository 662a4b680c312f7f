// model.go: model.json, the trained network with everything needed to
// forecast from raw closes, and `trainer predict`.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"mpitrain/data"
	"mpitrain/mlp"
)

const modelFormat = "mpitrain-model"
const modelVersion = 1

// modelFile is model.json. Parameters are stored as float64, which holds a
// float32 exactly, so a float32 model round-trips bit for bit.
type modelFile struct {
	Format      string          `json:"format"`
	Version     int             `json:"version"`
	Arch        mlp.Config      `json:"arch"`
	DType       string          `json:"dtype"`
	Column      string          `json:"column"`
	Window      int             `json:"window"`
	Horizon     int             `json:"horizon"`
	Norm        data.Normalizer `json:"normalizer"`
	Fingerprint string          `json:"data_fingerprint"`
	LastDate    string          `json:"last_training_date"`
	Params      []float64       `json:"params"`
}

// writeTo writes m as indented JSON, the parameters one per line as they
// are formatted, so that a large model's file is never built in memory.
func (m modelFile) writeTo(w io.Writer) error {
	params := m.Params
	m.Params = nil
	head, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	// head ends with `"params": null` and the closing brace.
	const tail = "\"params\": null\n}"
	if !bytes.HasSuffix(head, []byte(tail)) {
		return fmt.Errorf("model.json: unexpected layout")
	}
	if _, err := w.Write(head[:len(head)-len(tail)]); err != nil {
		return err
	}
	buf := []byte("\"params\": [")
	for i, v := range params {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    "...)
		buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		if len(buf) > 32<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, "\n  ]\n}\n"...)
	_, err = w.Write(buf)
	return err
}

func newModelFile[T mlp.Float](cfg Config, arch mlp.Config, ds *data.Dataset, fp string, params []T) modelFile {
	m := modelFile{Format: modelFormat, Version: modelVersion, Arch: arch, DType: cfg.DType, Column: cfg.Column,
		Window: ds.Opts.Window, Horizon: ds.Opts.Horizon, Norm: ds.Norm, Fingerprint: fp}
	if n := ds.Train.N; n > 0 && len(ds.Train.Dates) == n {
		m.LastDate = ds.Train.Dates[n-1].Format(time.DateOnly)
	}
	m.Params = make([]float64, len(params))
	for i, p := range params {
		m.Params[i] = float64(p)
	}
	return m
}

// readModel loads and checks model.json.
func readModel(path string) (modelFile, error) {
	var m modelFile
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: not a model file: %v", path, err)
	}
	if m.Format != modelFormat {
		return m, fmt.Errorf("%s: format %q, want %q (HINT: pass the model.json of a run folder)", path, m.Format, modelFormat)
	}
	if m.Version != modelVersion {
		return m, fmt.Errorf("%s: model format version %d, this trainer reads %d", path, m.Version, modelVersion)
	}
	if err := m.Arch.Validate(); err != nil {
		return m, fmt.Errorf("%s: %v", path, err)
	}
	if len(m.Params) != m.Arch.NumParams() {
		return m, fmt.Errorf("%s: %d parameters, the architecture needs %d", path, len(m.Params), m.Arch.NumParams())
	}
	if m.Window != m.Arch.In || m.Horizon != m.Arch.Out {
		return m, fmt.Errorf("%s: window %d / horizon %d do not match the network %d -> %d", path, m.Window, m.Horizon, m.Arch.In, m.Arch.Out)
	}
	return m, nil
}

// predictMain is `trainer predict --model FILE [--csv FILE]`.
func predictMain(args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("trainer predict", "Usage: trainer predict --model RUN/model.json [--csv FILE]\n\nPrints the forecast in index points for the days after the series' last window.\n\nFlags:\n", stdout)
	model := fs.String("model", "", "model.json of a finished run (required)")
	csv := fs.String("csv", "", "CSV of daily prices whose last window is used; default: the embedded S&P 500 data")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" {
		return usagef("trainer predict: --model is required (see trainer predict -h)")
	}
	m, err := readModel(*model)
	if err != nil {
		return err
	}
	if m.Norm.Kind == "" {
		return fmt.Errorf("%s: the model was trained on data without normalizer statistics (a seed-layout NPZ), so it cannot forecast from closes", *model)
	}
	var s *data.Series
	if *csv != "" {
		s, err = data.LoadCSV(*csv, m.Column)
	} else {
		s, err = data.LoadEmbedded(m.Column)
	}
	if err != nil {
		return err
	}
	if len(s.Values) < m.Window {
		return fmt.Errorf("%s: %d rows, the model needs a window of %d", s.Name, len(s.Values), m.Window)
	}
	raw := s.Values[len(s.Values)-m.Window:]
	last := raw[len(raw)-1]
	x := make([]float64, m.Window)
	for i, v := range raw {
		x[i] = m.Norm.Forward(v, last)
	}
	net, err := mlp.NewModel[float64](m.Arch, 1)
	if err != nil {
		return err
	}
	copy(net.Params(), m.Params)
	out := make([]float64, m.Horizon)
	mlp.Predict(net, x, 1, out)
	fmt.Fprintf(stdout, "last close %s: %.2f\n", s.Dates[len(s.Dates)-1].Format(time.DateOnly), last)
	for i, v := range out {
		fmt.Fprintf(stdout, "forecast day +%d: %.2f\n", i+1, m.Norm.Inverse(v, last))
	}
	return nil
}
