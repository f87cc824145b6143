// The data source the TypeORM CLI uses: `npm run migration:run`, `npm run migration:generate -- migrations/Name`.
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options.js';

if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL to run the TypeORM CLI');

export default new DataSource(dataSourceOptions(process.env.DATABASE_URL));
