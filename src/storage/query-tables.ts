import {
  AliasNode,
  DeleteQueryNode,
  InsertQueryNode,
  SelectQueryNode,
  TableNode,
  UpdateQueryNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely'

/** Label of a query that names no table at its top level (raw SQL, `select 1`). */
export const NO_TABLE = 'none'

/**
 * Tells `onQuery` the tables each query names at its top level (FROM, JOIN, INSERT INTO, UPDATE; not
 * subqueries), once per table: a cheap count of store round trips per table (hub_store_queries_total).
 */
export class QueryTablesPlugin implements KyselyPlugin {
  readonly #onQuery: (table: string) => void

  constructor(onQuery: (table: string) => void) {
    this.#onQuery = onQuery
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const tables = new Set<string>()
    for (const node of topLevelTables(args.node)) {
      const name = tableName(node)
      if (name) tables.add(name)
    }
    if (tables.size === 0) this.#onQuery(NO_TABLE)
    for (const table of tables) this.#onQuery(table)
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

function topLevelTables(node: RootOperationNode): readonly OperationNode[] {
  if (SelectQueryNode.is(node))
    return [...(node.from?.froms ?? []), ...(node.joins ?? []).map((join) => join.table)]
  if (InsertQueryNode.is(node)) return node.into ? [node.into] : []
  if (UpdateQueryNode.is(node))
    return [
      ...(node.table ? [node.table] : []),
      ...(node.from?.froms ?? []),
      ...(node.joins ?? []).map((join) => join.table),
    ]
  if (DeleteQueryNode.is(node)) return node.from.froms
  return []
}

function tableName(node: OperationNode): string | undefined {
  const table = AliasNode.is(node) ? node.node : node
  return TableNode.is(table) ? table.table.identifier.name : undefined
}
