package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// There is no Docker engine (nor the compose plugin) on the CI machine, so
// docker-compose.yml is checked here with compose-go, the loader that
// `docker compose config` runs: the Compose schema, interpolation, anchors
// and profiles, as `docker compose config` and `docker compose --profile
// postgres config` would read them. The commands the services run are then
// parsed by this binary's own command tree.

func loadCompose(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../../docker-compose.yml"},
		cli.WithProfiles(profiles), cli.WithEnv([]string{}), cli.WithName("aftermath"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker compose %s config: %v", strings.Join(profiles, " "), err)
	}
	return project
}

func TestComposeRunsSQLiteByDefault(t *testing.T) {
	project := loadCompose(t)
	if names := project.ServiceNames(); !slices.Equal(names, []string{"aftermath"}) {
		t.Fatalf("docker compose up starts %v, want only aftermath", names)
	}
	svc := project.Services["aftermath"]
	if db := *svc.Environment["AFTERMATH_DB"]; !strings.HasPrefix(db, "/data/") {
		t.Errorf("the default service's database is %q, want a SQLite file on the volume", db)
	}
	if len(svc.Volumes) != 1 || svc.Volumes[0].Target != "/data" || svc.Volumes[0].Source != "aftermath-data" {
		t.Errorf("the SQLite file is not on a named volume: %+v", svc.Volumes)
	}
	checkCommand(t, svc)
}

func TestComposePostgresProfileRunsTwoInstances(t *testing.T) {
	project := loadCompose(t, "postgres")
	for _, want := range []string{"postgres", "aftermath-1", "aftermath-2"} {
		if _, ok := project.Services[want]; !ok {
			t.Fatalf("the postgres profile has no %s: %v", want, project.ServiceNames())
		}
	}
	pg := project.Services["postgres"]
	if pg.HealthCheck == nil || !strings.Contains(strings.Join(pg.HealthCheck.Test, " "), "pg_isready") {
		t.Errorf("postgres has no pg_isready health check: %+v", pg.HealthCheck)
	}
	if len(pg.Volumes) != 1 || pg.Volumes[0].Source != "postgres-data" || pg.Volumes[0].Target != "/var/lib/postgresql/data" {
		t.Errorf("postgres's data is not on a named volume: %+v", pg.Volumes)
	}
	for _, name := range []string{"aftermath-1", "aftermath-2"} {
		svc := project.Services[name]
		dsn := *svc.Environment["AFTERMATH_DB"]
		if !strings.HasPrefix(dsn, "postgres://aftermath:aftermath@postgres:5432/aftermath") {
			t.Errorf("%s's database is %q", name, dsn)
		}
		if dep, ok := svc.DependsOn["postgres"]; !ok || dep.Condition != types.ServiceConditionHealthy {
			t.Errorf("%s does not wait for postgres to be healthy: %+v", name, svc.DependsOn)
		}
		if len(svc.Ports) != 1 || svc.Ports[0].Target != 8080 {
			t.Fatalf("%s publishes %+v", name, svc.Ports)
		}
		checkCommand(t, svc)
	}
	if project.Services["aftermath-1"].Ports[0].Published == project.Services["aftermath-2"].Ports[0].Published {
		t.Error("the two instances publish the same port")
	}
}

// checkCommand parses a service's command with the binary's own commands
// and flags, so that the file cannot name a flag that does not exist.
func checkCommand(t *testing.T, svc types.ServiceConfig) {
	t.Helper()
	root := rootCommand()
	cmd, args, err := root.Find(svc.Command)
	if err != nil || cmd == root {
		t.Fatalf("%s runs %v: not a command (%v)", svc.Name, svc.Command, err)
	}
	if err := cmd.ParseFlags(args); err != nil {
		t.Errorf("%s runs %v: %v", svc.Name, svc.Command, err)
	}
	for name := range svc.Environment {
		flag := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "AFTERMATH_"), "_", "-"))
		if strings.HasPrefix(name, "AFTERMATH_") && name != "AFTERMATH_ADMIN_PASSWORD" && cmd.Flags().Lookup(flag) == nil {
			t.Errorf("%s sets %s, which %s has no --%s for", svc.Name, name, cmd.Name(), flag)
		}
	}
}
