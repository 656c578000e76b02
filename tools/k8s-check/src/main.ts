// `npm run check:k8s`: renders every overlay with kubectl kustomize, validates every object offline and runs
// the consistency rules; one PASS/FAIL line per render (and one per finding), exit 1 on any finding.
import { workspaceRoot } from '@aviary/supervisor';
import { checkOverlay, OVERLAYS, summary } from './check';
import { kubectlVersion } from './render';

function main(): number {
  const version = kubectlVersion();
  if (!version) {
    console.log('FAIL kubectl is not on PATH: install kubectl >= 1.27 (it carries kustomize v5)');
    return 1;
  }
  console.log(`using ${version}`);
  let failures = 0;
  for (const overlay of OVERLAYS) {
    const report = checkOverlay(workspaceRoot(), overlay);
    failures += report.findings.length;
    console.log(`${report.findings.length ? 'FAIL' : 'PASS'} ${report.target}: ${summary(report.objects)}`);
    for (const f of report.findings) console.log(`     ${f.rule} ${f.object}: ${f.message}`);
  }
  return failures ? 1 : 0;
}

process.exitCode = main();
