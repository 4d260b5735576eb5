// Command go-reference writes the reference files the archive tests compare against: what Go's
// archive/tar and encoding/json (the code Velero runs) produce for edge-case names and values.
//
//	cd src/archive/testdata/go-reference && go run . ..
//
// It needs only the Go standard library; the outputs are committed, so tests never need Go.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

func main() {
	out := os.Args[1]
	must(os.WriteFile(filepath.Join(out, "go-headers.tar.gz"), tarball(), 0o644))
	must(os.WriteFile(filepath.Join(out, "go-json-cases.json"), jsonCases(), 0o644))
}

// tarball writes entries the way Velero does (pkg/backup/item_backupper.go): TypeReg, mode 0755, ModTime now.
func tarball() []byte {
	names := []string{
		"metadata/version",
		strings.Repeat("a", 100),
		strings.Repeat("a", 101),
		"resources/" + strings.Repeat("b", 90) + "/" + strings.Repeat("c", 100),
		"resources/" + strings.Repeat("b", 144) + "/" + strings.Repeat("c", 100),
		"resources/" + strings.Repeat("b", 145) + "/" + strings.Repeat("c", 100),
		"resources/" + strings.Repeat("b", 90) + "/" + strings.Repeat("c", 101),
		"resources/widgets.example.com/v1-preferredversion/namespaces/ns/" + strings.Repeat("w", 120) + ".json",
		"resources/widgets.example.com/namespaces/ns/" + strings.Repeat("w", 253) + ".json",
		"resources/rolebindings.rbac.authorization.k8s.io/namespaces/ns/système:rôle.json",
		"resources/configmaps/namespaces/ns/😀-emoji.json",
		strings.Repeat("d", 98) + "//" + strings.Repeat("e", 10),
		strings.Repeat("d", 99) + "/" + strings.Repeat("e", 200),
		"x/" + strings.Repeat("é", 60),
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	mtime := time.Date(2026, 11, 21, 20, 20, 32, 600_000_000, time.UTC) // rounds up to :33
	for i, name := range names {
		body := []byte(strings.Repeat("x", i*37))
		hdr := &tar.Header{Name: name, Size: int64(len(body)), Typeflag: tar.TypeReg, Mode: 0o755, ModTime: mtime}
		must(tw.WriteHeader(hdr))
		_, err := tw.Write(body)
		must(err)
	}
	must(tw.Close())
	must(gz.Close())
	return buf.Bytes()
}

type jsonCase struct {
	Input string `json:"input"`
	Go    string `json:"go"`
}

// jsonCases decodes each input as Kubernetes' unstructured decoder does (numbers: int64 if they parse
// as one, else float64) and marshals it back as Velero does.
func jsonCases() []byte {
	inputs := []string{
		`{"b":1,"a":2,"B":3,"_":4,"10":5,"9":6,"":7}`,
		`{"s":"<script>&amp;</script>","t":"\u2028\u2029","c":"\u0000\u0001\b\f\n\r\t\u001f\u007f","q":"\"\\/"}`,
		`{"\ue000":1,"\ud83d\ude00":2,"\uffff":3,"\ud7ff":4,"z":5,"\u00e9":6,"\uff5e":7,"\ud800\udc00":8}`,
		`{"lone":"\ud800","pair":"\ud83d\ude00","rev":"\udc00\ud800","fffd":"\ufffd"}`,
		`[0,-0,1.0,1e3,1.5,-2.25,1e20,1e21,1e-6,1e-7,123456789012,0.1,0.2,0.30000000000000004,5e-324,1.7976931348623157e308,9007199254740991,-9007199254740991,1e100,123e-20]`,
		`{"nested":{"z":[{"b":true,"a":null}],"a":{}},"empty":[],"obj":{}}`,
	}
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 400; i++ {
		b, err := json.Marshal(randomValue(r, 0))
		must(err)
		inputs = append(inputs, string(b))
	}
	cases := make([]jsonCase, 0, len(inputs))
	for _, in := range inputs {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		var v interface{}
		must(dec.Decode(&v))
		b, err := json.Marshal(convert(v))
		must(err)
		cases = append(cases, jsonCase{Input: in, Go: string(b)})
	}
	b, err := json.MarshalIndent(cases, "", " ")
	must(err)
	return append(b, '\n')
}

// convert mirrors k8s.io/apimachinery/pkg/util/json's convertNumber: int64 first, then float64.
func convert(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, x := range t {
			t[k] = convert(x)
		}
	case []interface{}:
		for i, x := range t {
			t[i] = convert(x)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, err := t.Float64()
		must(err)
		return f
	}
	return v
}

var runePools = [][2]rune{{0x20, 0x7e}, {0x00, 0x1f}, {0x80, 0x7ff}, {0x2020, 0x202f}, {0xe000, 0xffff}, {0x10000, 0x10ffff}, {'<', '>'}, {'&', '&'}}

func randomString(r *rand.Rand) string {
	var sb strings.Builder
	for n := r.Intn(8); n > 0; n-- {
		p := runePools[r.Intn(len(runePools))]
		c := p[0] + rune(r.Intn(int(p[1]-p[0]+1)))
		if !utf8.ValidRune(c) {
			c = 'x'
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

func randomNumber(r *rand.Rand) interface{} {
	switch r.Intn(4) {
	case 0:
		return r.Int63n(1<<53) - 1<<52
	case 1:
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.Intn(60)-30))
	case 2:
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0.5
		}
		return f
	default:
		return float64(r.Intn(2000)-1000) / 8
	}
}

func randomValue(r *rand.Rand, depth int) interface{} {
	k := r.Intn(7)
	if depth > 3 {
		k = r.Intn(4)
	}
	switch k {
	case 0:
		return randomString(r)
	case 1:
		return randomNumber(r)
	case 2:
		return r.Intn(2) == 0
	case 3:
		return nil
	case 4:
		a := make([]interface{}, r.Intn(4))
		for i := range a {
			a[i] = randomValue(r, depth+1)
		}
		return a
	default:
		m := map[string]interface{}{}
		for n := r.Intn(6); n > 0; n-- {
			m[randomString(r)] = randomValue(r, depth+1)
		}
		return m
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
