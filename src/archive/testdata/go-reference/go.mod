module skiff/archive/go-reference

go 1.24
