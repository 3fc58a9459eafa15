package postmortem

import (
	"bytes"
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// MarshalYAMLFile writes v, a struct whose fields carry yaml tags, as a
// YAML file in the style of the front matter: every field in its order,
// lists empty rather than null, times in RFC 3339 UTC, and each string in
// a style that reads back as the same string (see setStringStyle). The
// same value always gives the same bytes. An archive's catalogue,
// vocabulary and comment files are written with it, so that they read
// like the post-mortems beside them.
func MarshalYAMLFile(v any) ([]byte, error) {
	root, err := documentNode(reflect.ValueOf(v), "")
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(root); err != nil {
		return nil, incident.Errorf(incident.EINVALID, "The file cannot be written: %s.", yamlMessagePrefix.ReplaceAllString(err.Error(), ""))
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// UnmarshalYAMLFile reads a YAML file written by MarshalYAMLFile (or by a
// person) into v, a pointer to such a struct, as strictly as Parse reads
// front matter: one document, no aliases, merge keys or binary values, no
// key twice, no key that v does not have, and every value of its field's
// shape. Errors are EMALFORMED *incident.Error values that name the line
// and the field ("line 4: services[0].depends_on: must be a list").
func UnmarshalYAMLFile(data []byte, v any) error {
	if len(data) > MaxFileSize {
		return incident.Errorf(incident.ETOOLARGE, "the file is larger than %d bytes", MaxFileSize)
	}
	root, err := loadYAML(string(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	if err != nil {
		return yamlError("", err)
	}
	if _, err := keys(root); err != nil {
		return yamlError("", err)
	}
	if err := checkShape(root, reflect.TypeOf(v).Elem(), ""); err != nil {
		return yamlError("", err)
	}
	if err := root.Decode(v); err != nil {
		return yamlError("", err)
	}
	return nil
}
