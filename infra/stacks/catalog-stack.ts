import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { BRONZE_PREFIX, ResourceNames } from '../../src/config/names';
import { OUTPUT_KEYS } from '../../src/config/stack-outputs';
import { glueColumns } from '../../src/events/schema';
import { pipelineBucket } from '../constructs/imports';
import { addOutput } from '../constructs/output';

export interface CatalogStackProps extends StackProps {
  readonly names: ResourceNames;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The bronze table's static key prefix (`events/`): everything in {@link BRONZE_PREFIX} before
 * its first Firehose namespace, so the table and the delivery stream cannot disagree.
 */
export function bronzeTablePrefix(): string {
  const staticPart = BRONZE_PREFIX.slice(0, BRONZE_PREFIX.indexOf('!{'));
  return staticPart.slice(0, staticPart.lastIndexOf('/') + 1);
}

/**
 * The environment's Glue database (the KPI jobs create their Iceberg tables in it; see
 * glueDatabaseName) and the raw table Firehose converts JSON to Parquet through, with columns
 * derived from the event schema.
 */
export class CatalogStack extends Stack {
  readonly database: glue.Database;
  readonly rawTable: glue.S3Table;

  constructor(scope: Construct, id: string, props: CatalogStackProps) {
    super(scope, id, props);
    this.database = new glue.Database(this, 'Database', {
      databaseName: props.names.glueDatabase,
      description: 'Clickstream: the raw sensor events table and the KPI Iceberg tables',
      removalPolicy: props.removalPolicy,
    });
    this.rawTable = new glue.S3Table(this, 'RawTable', {
      database: this.database,
      tableName: props.names.rawTable,
      description: 'Sensor events as landed by Firehose (Parquet); its columns are the conversion schema',
      columns: glueColumns().map((c) => ({
        name: c.Name,
        type: glue.Schema.custom(c.Type, !c.Type.startsWith('struct<')),
        comment: c.Comment,
      })),
      dataFormat: glue.DataFormat.PARQUET,
      storage: glue.S3TableStorage.fromBucket(pipelineBucket(this, props.names, 'bronzeBucket')),
      s3Prefix: bronzeTablePrefix(),
    });
    this.rawTable.applyRemovalPolicy(props.removalPolicy);

    addOutput(this, OUTPUT_KEYS.glueDatabase, this.database.databaseName, 'Glue database of the raw and KPI tables (GLUE_DATABASE)');
    addOutput(this, OUTPUT_KEYS.rawTable, this.rawTable.tableName, "Glue table of Firehose's JSON->Parquet conversion");
  }

  /** The L1 table, which Firehose's schema configuration takes. */
  get rawCfnTable(): glue.CfnTable {
    return this.rawTable.node.defaultChild as glue.CfnTable;
  }
}
