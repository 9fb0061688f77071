//! SeaORM against moltdb: entities with a relation (cake has many fruit), the schema created
//! from the entities with SeaORM's `Schema` helper, CRUD through active models, joins
//! (`find_with_related`, `find_also_related`), a transaction rolled back, and a migration that
//! adds an index to a populated table (the statement `SchemaManager::create_index` runs).

mod common;

use common::TestServer;
use mysql_async::prelude::Queryable;
use sea_orm::sea_query::Index;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, Schema, Set, Statement,
    TransactionTrait,
};

mod cake {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cake")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::fruit::Entity")]
        Fruit,
    }

    impl Related<super::fruit::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Fruit.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod fruit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "fruit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub price: i64,
        pub cake_id: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::cake::Entity",
            from = "Column::CakeId",
            to = "super::cake::Column::Id"
        )]
        Cake,
    }

    impl Related<super::cake::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Cake.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

async fn connect(server: &TestServer, db: &str) -> DatabaseConnection {
    let mut conn = server.conn().await;
    conn.query_drop(format!("DROP DATABASE IF EXISTS {db}"))
        .await
        .unwrap();
    conn.query_drop(format!("CREATE DATABASE {db}"))
        .await
        .unwrap();
    conn.disconnect().await.unwrap();
    Database::connect(server.url(Some(db)))
        .await
        .unwrap_or_else(|e| panic!("sea-orm connect: {e}\n{}", server.log_tail()))
}

async fn new_cake(db: &impl ConnectionTrait, name: &str) -> cake::Model {
    cake::ActiveModel {
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

async fn new_fruit(
    db: &impl ConnectionTrait,
    name: &str,
    price: i64,
    cake: Option<i32>,
) -> fruit::Model {
    fruit::ActiveModel {
        name: Set(name.to_owned()),
        price: Set(price),
        cake_id: Set(cake),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn sea_orm_entities_crud_joins_transactions_migration() {
    let server = TestServer::external_or_start();
    let db = connect(&server, "sea_orm_cakes").await;

    // The schema, from the entities.
    let schema = Schema::new(DbBackend::MySql);
    db.execute(&schema.create_table_from_entity(cake::Entity))
        .await
        .unwrap_or_else(|e| panic!("create cake: {e}\n{}", server.log_tail()));
    db.execute(&schema.create_table_from_entity(fruit::Entity))
        .await
        .unwrap_or_else(|e| panic!("create fruit: {e}\n{}", server.log_tail()));

    // Create.
    let choc = new_cake(&db, "chocolate").await;
    let cheese = new_cake(&db, "cheese").await;
    assert_eq!(choc.name, "chocolate");
    assert_ne!(choc.id, cheese.id);
    let apple = new_fruit(&db, "apple", 3, Some(choc.id)).await;
    new_fruit(&db, "banana", 2, Some(choc.id)).await;
    new_fruit(&db, "cherry", 7, Some(cheese.id)).await;
    new_fruit(&db, "durian", 11, None).await;

    // Read.
    let found = cake::Entity::find_by_id(choc.id).one(&db).await.unwrap();
    assert_eq!(found.as_ref(), Some(&choc));
    let cheap: Vec<fruit::Model> = fruit::Entity::find()
        .filter(fruit::Column::Price.lt(5))
        .order_by_asc(fruit::Column::Name)
        .all(&db)
        .await
        .unwrap();
    let names: Vec<&str> = cheap.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["apple", "banana"]);
    assert_eq!(fruit::Entity::find().count(&db).await.unwrap(), 4);

    // Update.
    let mut am: fruit::ActiveModel = apple.clone().into();
    am.price = Set(4);
    let apple = am.update(&db).await.unwrap();
    assert_eq!(apple.price, 4);
    let reread = fruit::Entity::find_by_id(apple.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reread.price, 4);

    // Joins: cake with its fruit, fruit with its cake.
    let with_fruit = cake::Entity::find()
        .order_by_asc(cake::Column::Id)
        .find_with_related(fruit::Entity)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(with_fruit.len(), 2);
    assert_eq!(with_fruit[0].0, choc);
    let mut choc_fruit: Vec<&str> = with_fruit[0].1.iter().map(|f| f.name.as_str()).collect();
    choc_fruit.sort();
    assert_eq!(choc_fruit, ["apple", "banana"]);
    assert_eq!(with_fruit[1].1.len(), 1);
    let also = fruit::Entity::find()
        .order_by_asc(fruit::Column::Name)
        .find_also_related(cake::Entity)
        .all(&db)
        .await
        .unwrap();
    let pairs: Vec<(&str, Option<&str>)> = also
        .iter()
        .map(|(f, c)| (f.name.as_str(), c.as_ref().map(|c| c.name.as_str())))
        .collect();
    assert_eq!(
        pairs,
        [
            ("apple", Some("chocolate")),
            ("banana", Some("chocolate")),
            ("cherry", Some("cheese")),
            ("durian", None),
        ]
    );
    let related = choc.find_related(fruit::Entity).count(&db).await.unwrap();
    assert_eq!(related, 2);

    // A transaction rolled back leaves nothing behind; a committed one stays.
    let txn = db.begin().await.unwrap();
    let lemon = new_cake(&txn, "lemon").await;
    new_fruit(&txn, "lime", 1, Some(lemon.id)).await;
    assert_eq!(cake::Entity::find().count(&txn).await.unwrap(), 3);
    txn.rollback().await.unwrap();
    assert_eq!(cake::Entity::find().count(&db).await.unwrap(), 2);
    assert_eq!(fruit::Entity::find().count(&db).await.unwrap(), 4);
    let txn = db.begin().await.unwrap();
    new_fruit(&txn, "elderberry", 5, None).await;
    txn.commit().await.unwrap();
    assert_eq!(fruit::Entity::find().count(&db).await.unwrap(), 5);

    // Delete.
    let res = fruit::Entity::delete_by_id(apple.id)
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(res.rows_affected, 1);
    assert!(fruit::Entity::find_by_id(apple.id)
        .one(&db)
        .await
        .unwrap()
        .is_none());

    // A migration on the populated table: what `SchemaManager::create_index` runs.
    let idx = Index::create()
        .name("idx-fruit-name")
        .table(fruit::Entity)
        .col(fruit::Column::Name)
        .to_owned();
    db.execute(&idx)
        .await
        .unwrap_or_else(|e| panic!("create index: {e}\n{}", server.log_tail()));
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT index_name AS n FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = 'fruit' AND index_name = 'idx-fruit-name'",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let by_name = fruit::Entity::find()
        .filter(fruit::Column::Name.eq("cherry"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].price, 7);
    // The index's entries match the rows (ADMIN is not preparable: sent as text).
    db.execute_unprepared("ADMIN CHECK INDEX fruit `idx-fruit-name`")
        .await
        .unwrap();
}
