// render.go: build a kustomization folder into its objects, as `kubectl kustomize DIR` does.
package mpioperator

import (
	"encoding/json"
	"fmt"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Object is one rendered Kubernetes object: its JSON and the fields that
// identify it.
type Object struct {
	APIVersion, Kind, Name string
	JSON                   []byte
}

// Render runs kustomize on the kustomization folder dir (its resources,
// patches and overlays' bases read from disk) and returns the objects in
// kustomize's output order.
func Render(dir string) ([]Object, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	var objs []Object
	for _, r := range m.Resources() {
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %s: %w", dir, r.CurId(), err)
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			return nil, fmt.Errorf("kustomize %s: %s: %w", dir, r.CurId(), err)
		}
		objs = append(objs, Object{APIVersion: head.APIVersion, Kind: head.Kind, Name: head.Metadata.Name, JSON: b})
	}
	return objs, nil
}
