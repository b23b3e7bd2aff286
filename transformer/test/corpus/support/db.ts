export const db = {
  async query(sql: string, params: unknown[]): Promise<unknown[]> {
    return [sql, ...params];
  },
};
export const events: AsyncIterable<{ type: string }> = {
  async *[Symbol.asyncIterator]() {
    yield { type: "created" };
  },
};
