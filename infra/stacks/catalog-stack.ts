import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { ResourceNames } from '../../src/config/names';
import { bronzeTablePrefix, rawTableParameters, rawTablePartitionKeys } from '../../src/config/raw-table';
import { OUTPUT_KEYS } from '../../src/config/stack-outputs';
import { glueColumns } from '../../src/events/schema';
import { pipelineBucket } from '../constructs/imports';
import { addOutput } from '../constructs/output';

export interface CatalogStackProps extends StackProps {
  readonly names: ResourceNames;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The environment's Glue database (the KPI jobs create their Iceberg tables in it; see
 * glueDatabaseName) and the raw table Firehose converts JSON to Parquet through: its columns
 * derived from the event schema, its arrival-hour partition keys found by partition projection
 * (src/config/raw-table.ts, the definition the local bootstrap creates too).
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
      partitionKeys: rawTablePartitionKeys().map((k) => ({ name: k.Name, type: glue.Schema.STRING, comment: k.Comment })),
      parameters: rawTableParameters(props.names.bronzeBucket),
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
