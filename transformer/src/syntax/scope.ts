import ts from "typescript";

/**
 * Syntax-only name resolution: finds the declaration an identifier refers to inside its own
 * file, honouring block scoping and shadowing. Used where no type checker exists (vite, node
 * loader) and for cursor targets, which must come from syntax alone (SPEC section 2).
 */
export type LocalDeclaration =
  | ts.VariableDeclaration
  | ts.BindingElement
  | ts.ParameterDeclaration
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ClassDeclaration
  | ts.ClassExpression
  | ts.EnumDeclaration
  | ts.ModuleDeclaration
  | ts.ImportSpecifier
  | ts.ImportClause
  | ts.NamespaceImport
  | ts.ImportEqualsDeclaration;

const scopeCache = new WeakMap<ts.Node, Map<string, LocalDeclaration>>();

function addBindingName(
  map: Map<string, LocalDeclaration>,
  name: ts.BindingName,
  decl: LocalDeclaration,
): void {
  if (ts.isIdentifier(name)) {
    if (!map.has(name.text)) map.set(name.text, decl);
    return;
  }
  for (const element of name.elements) {
    if (ts.isBindingElement(element))
      addBindingName(map, element.name, ts.isIdentifier(element.name) ? element : decl);
  }
}

function addStatement(map: Map<string, LocalDeclaration>, statement: ts.Statement): void {
  if (ts.isVariableStatement(statement)) {
    for (const d of statement.declarationList.declarations) addBindingName(map, d.name, d);
  } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
    map.set(statement.name.text, statement);
  } else if (
    ts.isEnumDeclaration(statement) ||
    (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name))
  ) {
    map.set((statement.name as ts.Identifier).text, statement);
  } else if (ts.isImportDeclaration(statement) && statement.importClause) {
    const clause = statement.importClause;
    if (clause.name) map.set(clause.name.text, clause);
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) map.set(nb.name.text, nb);
    else if (nb) for (const s of nb.elements) map.set(s.name.text, s);
  } else if (ts.isImportEqualsDeclaration(statement)) {
    map.set(statement.name.text, statement);
  } else if (ts.isLabeledStatement(statement)) {
    addStatement(map, statement.statement);
  }
}

function declarationsOf(scope: ts.Node): Map<string, LocalDeclaration> | undefined {
  const cached = scopeCache.get(scope);
  if (cached) return cached;
  const map = new Map<string, LocalDeclaration>();
  if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope)) {
    for (const s of scope.statements) addStatement(map, s);
  } else if (ts.isCaseBlock(scope)) {
    for (const clause of scope.clauses) for (const s of clause.statements) addStatement(map, s);
  } else if (ts.isFunctionLike(scope)) {
    for (const p of scope.parameters) addBindingName(map, p.name, p);
    if (ts.isFunctionExpression(scope) && scope.name) map.set(scope.name.text, scope);
  } else if (ts.isForStatement(scope) || ts.isForInStatement(scope) || ts.isForOfStatement(scope)) {
    const init = scope.initializer;
    if (init && ts.isVariableDeclarationList(init))
      for (const d of init.declarations) addBindingName(map, d.name, d);
  } else if (ts.isCatchClause(scope)) {
    if (scope.variableDeclaration)
      addBindingName(map, scope.variableDeclaration.name, scope.variableDeclaration);
  } else if (ts.isClassExpression(scope) && scope.name) {
    map.set(scope.name.text, scope);
  } else {
    return undefined;
  }
  scopeCache.set(scope, map);
  return map;
}

/** Result of a lookup: the declaring node and the scope node that holds it. */
export interface ScopeHit {
  readonly declaration: LocalDeclaration;
  readonly scope: ts.Node;
}

/**
 * The nearest declaration of `name` visible at `from`, or `undefined` when the name is not
 * declared in the file (a global).
 */
export function lookupName(from: ts.Node, name: string): ScopeHit | undefined {
  for (let node: ts.Node | undefined = from; node; node = node.parent) {
    const decls = declarationsOf(node);
    const hit = decls?.get(name);
    if (hit) return { declaration: hit, scope: node };
  }
  return undefined;
}

/** Shorthand for {@link lookupName} on an identifier reference. */
export function lookupIdentifier(id: ts.Identifier): ScopeHit | undefined {
  return lookupName(id, id.text);
}

/** What an import binding imports. */
export interface ImportBinding {
  readonly module: string;
  /** The exported name, `"default"`, or `"*"` for a namespace import. */
  readonly imported: string;
  readonly local: string;
  readonly typeOnly: boolean;
  readonly declaration: ts.ImportDeclaration;
}

/** Describes an import binding declaration, or `undefined` for any other declaration. */
export function importBindingOf(decl: ts.Node): ImportBinding | undefined {
  let clause: ts.ImportClause | undefined;
  let imported: string;
  let local: string;
  let specifierTypeOnly = false;
  if (ts.isImportSpecifier(decl)) {
    clause = decl.parent.parent;
    imported = (decl.propertyName ?? decl.name).text;
    local = decl.name.text;
    specifierTypeOnly = decl.isTypeOnly;
  } else if (ts.isNamespaceImport(decl)) {
    clause = decl.parent;
    imported = "*";
    local = decl.name.text;
  } else if (ts.isImportClause(decl) && decl.name) {
    clause = decl;
    imported = "default";
    local = decl.name.text;
  } else {
    return undefined;
  }
  const declaration = clause.parent;
  if (!ts.isImportDeclaration(declaration) || !ts.isStringLiteral(declaration.moduleSpecifier))
    return undefined;
  return {
    module: declaration.moduleSpecifier.text,
    imported,
    local,
    typeOnly: specifierTypeOnly || clause.isTypeOnly,
    declaration,
  };
}

/** Strips parentheses, `!`, `as`, `satisfies` and type assertions. */
export function skipOuter(expr: ts.Expression): ts.Expression {
  let e = expr;
  for (;;) {
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isSatisfiesExpression(e) ||
      ts.isTypeAssertionExpression(e)
    ) {
      e = e.expression;
    } else return e;
  }
}
