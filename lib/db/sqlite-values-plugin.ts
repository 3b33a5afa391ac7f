import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

const toSqlite = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

class DatesToText extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return super.transformValue({ ...node, value: toSqlite(node.value) });
  }

  protected override transformPrimitiveValueList(
    node: PrimitiveValueListNode,
  ): PrimitiveValueListNode {
    return super.transformPrimitiveValueList({ ...node, values: node.values.map(toSqlite) });
  }
}

/** Columns holding times: `*_at` and `lease_until`. */
const isTimeColumn = (name: string) => name.endsWith('_at') || name === 'lease_until';

/**
 * Makes SQLite's values look like MySQL's to the repositories. SQLite has no date type and
 * libsql cannot bind a Date: times are stored as ISO-8601 UTC text (which sorts and compares
 * like the times themselves) and read back as Dates. libsql reads a BLOB as an ArrayBuffer,
 * where mysql2 gives a Buffer: blobs are read back as Buffers.
 */
export class SqliteValuesPlugin implements KyselyPlugin {
  private readonly transformer = new DatesToText();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    for (const row of args.result.rows) {
      for (const [key, value] of Object.entries(row)) {
        if (typeof value === 'string' && isTimeColumn(key)) row[key] = new Date(value);
        else if (value instanceof ArrayBuffer) row[key] = Buffer.from(value);
      }
    }
    return args.result;
  }
}
