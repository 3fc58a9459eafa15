package search_test

import (
	"reflect"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/search"
)

func w(words ...string) search.Term { return search.Term{Words: words} }

func p(words ...string) search.Term { return search.Term{Words: words, Prefix: true} }

func TestParse(t *testing.T) {
	tests := []struct {
		typed string
		want  search.Query
	}{
		{"", search.Query{}},
		{"   ", search.Query{}},
		{"!!! ,,, --", search.Query{}},
		{"connection", search.Query{All: []search.Clause{{w("connection")}}}},
		{"connection pool", search.Query{All: []search.Clause{{w("connection")}, {w("pool")}}}},
		{`"connection pool"`, search.Query{All: []search.Clause{{w("connection", "pool")}}}},
		{`"connection pool" exhausted`, search.Query{All: []search.Clause{{w("connection", "pool")}, {w("exhausted")}}}},
		{`"unclosed phrase`, search.Query{All: []search.Clause{{w("unclosed", "phrase")}}}},
		{"conn*", search.Query{All: []search.Clause{{p("conn")}}}},
		{`"conn pool"*`, search.Query{All: []search.Clause{{p("conn", "pool")}}}},
		{"conn**", search.Query{All: []search.Clause{{p("conn")}}}},
		{"*", search.Query{}},
		{"redis OR memcached", search.Query{All: []search.Clause{{w("redis"), w("memcached")}}}},
		{"a OR b OR c", search.Query{All: []search.Clause{{w("a"), w("b"), w("c")}}}},
		{"cache OR cdn timeout", search.Query{All: []search.Clause{{w("cache"), w("cdn")}, {w("timeout")}}}},
		{"timeout cache OR cdn", search.Query{All: []search.Clause{{w("timeout")}, {w("cache"), w("cdn")}}}},
		{"or", search.Query{All: []search.Clause{{w("or")}}}},
		{"OR", search.Query{All: []search.Clause{{w("or")}}}},
		{"OR cache", search.Query{All: []search.Clause{{w("or")}, {w("cache")}}}},
		{"cache OR", search.Query{All: []search.Clause{{w("cache")}, {w("or")}}}},
		{"cache OR OR cdn", search.Query{All: []search.Clause{{w("cache"), w("or")}, {w("cdn")}}}},
		{"cache or cdn", search.Query{All: []search.Clause{{w("cache")}, {w("or")}, {w("cdn")}}}},
		{"-staging", search.Query{None: []search.Term{w("staging")}}},
		{"deploy -staging", search.Query{All: []search.Clause{{w("deploy")}}, None: []search.Term{w("staging")}}},
		{`deploy -"load test"`, search.Query{All: []search.Clause{{w("deploy")}}, None: []search.Term{w("load", "test")}}},
		{"deploy -stag*", search.Query{All: []search.Clause{{w("deploy")}}, None: []search.Term{p("stag")}}},
		{"a OR -b", search.Query{All: []search.Clause{{w("a")}, {w("or")}}, None: []search.Term{w("b")}}},
		{"- a", search.Query{All: []search.Clause{{w("a")}}}},
		{"well-known", search.Query{All: []search.Clause{{w("well", "known")}}}},
		{"e-mail node.js", search.Query{All: []search.Clause{{w("e", "mail")}, {w("node", "js")}}}},
		{"C++", search.Query{All: []search.Clause{{w("c")}}}},
		{"Café CAFÉ cafe\u0301", search.Query{All: []search.Clause{{w("cafe")}, {w("cafe")}, {w("cafe")}}}},
		{"ｐａｙｍｅｎｔｓ Straße", search.Query{All: []search.Clause{{w("payments")}, {w("strasse")}}}},
		{"Ελλάδα", search.Query{All: []search.Clause{{w("ελλαδα")}}}},
		{`"AND" NOT near`, search.Query{All: []search.Clause{{w("and")}, {w("not")}, {w("near")}}}},
		{"title:x", search.Query{All: []search.Clause{{w("title", "x")}}}},
		{"x\u0000y", search.Query{All: []search.Clause{{w("x", "y")}}}},
	}
	for _, tt := range tests {
		if got := search.Parse(tt.typed); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", tt.typed, got, tt.want)
		}
	}
}

func TestParseBoundsTheTerms(t *testing.T) {
	typed := ""
	for range 3 * search.MaxTerms {
		typed += "word "
	}
	q := search.Parse(typed)
	if len(q.All) != search.MaxTerms {
		t.Fatalf("%d terms", len(q.All))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`"a b"* -c OR d`, "x OR", "-", `"`, "*-*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		q := search.Parse(typed)
		terms := len(q.None)
		for _, c := range q.All {
			if len(c) == 0 {
				t.Fatalf("an empty clause from %q", typed)
			}
			terms += len(c)
			for _, term := range c {
				checkTerm(t, typed, term)
			}
		}
		for _, term := range q.None {
			checkTerm(t, typed, term)
		}
		if terms > search.MaxTerms+1 { // a trailing OR may add one
			t.Fatalf("%d terms from %q", terms, typed)
		}
	})
}

func checkTerm(t *testing.T, typed string, term search.Term) {
	if len(term.Words) == 0 {
		t.Fatalf("a term without words from %q", typed)
	}
	for _, word := range term.Words {
		for _, r := range word {
			if !search.IsWordRune(r) {
				t.Fatalf("word %q from %q holds %q", word, typed, r)
			}
		}
	}
}
