module github.com/aftermath-sre/aftermath

go 1.26.8
