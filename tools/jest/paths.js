// Maps the @aviary/* path aliases of tsconfig.base.json for Jest, so tests import libs by package name.
const { compilerOptions } = require('../../tsconfig.base.json');

exports.pathsToModuleNameMapper = () =>
  Object.fromEntries(
    Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
  );
