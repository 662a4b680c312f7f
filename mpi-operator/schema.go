// schema.go: the CRD's openAPIV3Schema as a strict JSON Schema, and the Validator built on it.
package mpioperator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"sigs.k8s.io/yaml"
)

// Validator checks rendered MPIJobs against one version of the MPIJob CRD.
type Validator struct {
	version string // the CRD version checked, e.g. "v2beta1"
	schema  *jsonschema.Schema
}

// NewValidator reads the CustomResourceDefinition at crdPath and compiles
// the openAPIV3Schema of its version (e.g. "v2beta1") made strict by
// StrictSchema.
func NewValidator(crdPath, version string) (*Validator, error) {
	b, err := os.ReadFile(crdPath)
	if err != nil {
		return nil, err
	}
	var crd struct {
		Kind string `json:"kind"`
		Spec struct {
			Group    string `json:"group"`
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil {
		return nil, fmt.Errorf("%s: %w", crdPath, err)
	}
	if crd.Kind != "CustomResourceDefinition" {
		return nil, fmt.Errorf("%s: kind %q, want CustomResourceDefinition", crdPath, crd.Kind)
	}
	var schema map[string]any
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			schema = v.Schema.OpenAPIV3Schema
		}
	}
	if schema == nil {
		return nil, fmt.Errorf("%s: no openAPIV3Schema for version %q", crdPath, version)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const url = "file:///mpijob.schema.json"
	if err := c.AddResource(url, StrictSchema(schema)); err != nil {
		return nil, fmt.Errorf("%s: %w", crdPath, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("%s: compiling the schema: %w", crdPath, err)
	}
	return &Validator{version: crd.Spec.Group + "/" + version, schema: s}, nil
}

// StrictSchema turns a Kubernetes structural schema (OpenAPI v3 as the API
// server reads it) into a JSON Schema that rejects unknown fields, and
// returns it; the argument is modified in place.
//
// The two languages mostly agree. The differences handled:
//   - x-kubernetes-* extensions are annotations here and are removed;
//     int-or-string fields already carry anyOf [integer, string].
//   - An object schema with properties and no
//     x-kubernetes-preserve-unknown-fields gets additionalProperties:
//     false. The API server prunes such unknown fields silently, so a typo
//     in a manifest is lost without a word; here it is an error, which is
//     what a check before `kubectl apply` is for. Objects without
//     properties (metadata, maps with additionalProperties) stay open.
func StrictSchema(s map[string]any) map[string]any {
	preserve, _ := s["x-kubernetes-preserve-unknown-fields"].(bool)
	for k := range s {
		if strings.HasPrefix(k, "x-kubernetes-") {
			delete(s, k)
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for _, p := range props {
			if ps, ok := p.(map[string]any); ok {
				StrictSchema(ps)
			}
		}
		if _, set := s["additionalProperties"]; !set && !preserve {
			s["additionalProperties"] = false
		}
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		StrictSchema(ap)
	}
	if items, ok := s["items"].(map[string]any); ok {
		StrictSchema(items)
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := s[k].([]any); ok {
			for _, e := range list {
				if es, ok := e.(map[string]any); ok {
					StrictSchema(es)
				}
			}
		}
	}
	if not, ok := s["not"].(map[string]any); ok {
		StrictSchema(not)
	}
	return s
}

// Validate checks one rendered MPIJob (JSON): the strict schema, each pod
// template decoded strictly into a PodTemplateSpec, and Rules. The error
// joins every problem found, one per line.
func (v *Validator) Validate(doc []byte) error {
	var errs []error
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	if head.APIVersion != v.version || head.Kind != "MPIJob" {
		errs = append(errs, fmt.Errorf("apiVersion %q kind %q: want apiVersion %q kind MPIJob (the version this CRD schema describes)",
			head.APIVersion, head.Kind, v.version))
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	if err := v.schema.Validate(inst); err != nil {
		errs = append(errs, schemaErrors(err)...)
	}
	job, err := DecodeMPIJob(doc)
	if err != nil {
		errs = append(errs, err)
		job, _ = decodeMPIJob(doc, false) // still check the rules
	}
	if job != nil {
		errs = append(errs, Rules(job)...)
	}
	return errors.Join(errs...)
}

// schemaErrors flattens a jsonschema error to one error per failed leaf,
// "schema: /json/pointer: message", sorted and without repeats.
func schemaErrors(err error) []error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []error{fmt.Errorf("schema: %w", err)}
	}
	p := message.NewPrinter(language.English)
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			seen["schema: /"+strings.Join(e.InstanceLocation, "/")+": "+e.ErrorKind.LocalizedString(p)] = true
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	lines := make([]string, 0, len(seen))
	for l := range seen {
		lines = append(lines, l)
	}
	sort.Strings(lines)
	out := make([]error, len(lines))
	for i, l := range lines {
		out[i] = errors.New(l)
	}
	return out
}
